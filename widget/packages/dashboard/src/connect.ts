// Connect opened inside the dashboard (Retry MFA verification, Submit credentials): the same
// @gridlink/connect loader integrators use, pointed at this origin. The dashboard's own origin
// may open a dashboard-made token for any client (docs/reference/dashboard-api.md).
import { create, type ExitStatus } from "@gridlink/connect";

export interface ConnectOutcome {
  /** The credential was verified: its id (SuccessPayload.utility_credential_id). */
  onSuccess(credentialId: string): void;
  /** Connect closed, whatever the result (after onSuccess when it succeeded). */
  onExit(status: ExitStatus): void;
}

/** The loader's create(), behind one seam so tests can record what opens Connect. */
export const loader = { create };

export function openConnect(connectToken: string, outcome: ConnectOutcome): void {
  const handle = loader.create({
    connectToken,
    baseUrl: location.origin,
    onSuccess: (result) => outcome.onSuccess(result.utility_credential_id),
    onExit: (status) => outcome.onExit(status),
    onEvent: () => {},
  });
  handle.open();
}
