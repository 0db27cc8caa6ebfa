// A host app as an integrator writes it: its backend makes the connect token and exchanges the
// code; the page opens Connect with useConnect under StrictMode. Everything Connect tells the
// page goes to window.hostLog, in order, for the browser tests to read (tests/e2e/host_apps.py).
import { useConnect, type ExitMetadata, type ExitStatus, type SuccessPayload } from "@gridlink/react";
import { StrictMode, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

interface Made {
  connect_token: string;
  client_user_id: string;
  /** Where Gridlink runs: another origin than this app's. */
  gridlink_url: string;
}

type Entry = { kind: string } & Record<string, unknown>;

declare global {
  interface Window {
    hostLog: Entry[];
    clientUserId?: string;
  }
}

window.hostLog = [];
const note = (kind: string, fields: Record<string, unknown> = {}): void => {
  window.hostLog.push({ kind, ...fields });
};

async function post<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const answer = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: answer.status, body: (await answer.json()) as T };
}

function LinkButton({ made }: { made: Made }) {
  const [linked, setLinked] = useState<string | null>(null);
  const { open, ready, error } = useConnect({
    connectToken: made.connect_token,
    baseUrl: made.gridlink_url,
    onLoad: () => note("load"),
    onEvent: (name, metadata) => note("event", { name, metadata }),
    onSuccess: (payload: SuccessPayload) => {
      note("success", { payload });
      void post<{ utility_credential_id?: string }>("/api/exchange", {
        authorization_code: payload.authorization_code,
      }).then((exchanged) => {
        note("exchange", exchanged);
        if (exchanged.status == 200) setLinked(exchanged.body.utility_credential_id ?? null);
      });
    },
    onExit: (status: ExitStatus, metadata: ExitMetadata) => note("exit", { status, metadata }),
  });
  const opening = (): void => {
    note("open", { at: performance.timeOrigin + performance.now() }); // bench/widget.py times from here
    open();
  };
  if (error) return <p role="alert">{error.message}</p>;
  return (
    <>
      <button type="button" disabled={!ready} onClick={opening}>
        Link your utility account
      </button>
      {linked && <p>Linked: {linked}</p>}
    </>
  );
}

function App() {
  const [made, setMade] = useState<Made | null>(null);
  useEffect(() => {
    let live = true;
    void post<Made>("/api/connect_token", {}).then(({ body }) => {
      if (!live) return;
      window.clientUserId = body.client_user_id;
      setMade(body);
    });
    return () => {
      live = false;
    };
  }, []);
  useEffect(() => {
    // For the tests only: every raw message from Connect's origin, to count what the frame sent
    // beside what the hook called; "barrier" (posted by the test) marks that all earlier ones
    // have been delivered.
    if (!made) return;
    const gridlink = new URL(made.gridlink_url).origin;
    const listen = (event: MessageEvent): void => {
      if (event.origin === gridlink) note("message", { data: event.data as unknown });
      else if (event.origin === location.origin && event.data === "barrier") note("barrier");
    };
    addEventListener("message", listen);
    return () => removeEventListener("message", listen);
  }, [made]);
  return (
    <main>
      <h1>Host app</h1>
      {made ? <LinkButton made={made} /> : <p>Preparing…</p>}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
