// Step 2 of the protocol: trade the connect token for a frame URL. The token travels in a POST
// body (never in a URL); the answer's URL carries only a single-use frame ticket in its fragment.
import type { ExitMetadata, ExitStatus } from "./types";

/** The loading card's names: the dialog's and frame's title, the close button's, the status. */
export interface Labels {
  title: string;
  close: string;
  loading: string;
}

/** The server's answer: the frame URL, and what the loading card shows (embed protocol §1). */
export interface Frame {
  frame_url: string;
  session_id?: string;
  /** The card's labels in the session's language (else the browser's, from Accept-Language). */
  labels?: Labels;
  client?: { name?: string; accent_color?: string | null };
}

// The API error envelope ({"error": {"code", "message", "request_id"}}) or the frame answer.
type Answer = Partial<Frame> & { error?: { code?: string; message?: string; request_id?: string } };

/**
 * The frame to show, or undefined after calling `fail`: `load_error` with `error_code`
 * "network_error" (no answer: wrong baseUrl, CSP connect-src, CORS), "invalid_frame_url" (a frame
 * outside baseUrl's origin), or the server's own error code and message; `token_invalid` from the
 * server ends with that status. Never rejects.
 */
export async function requestFrame(
  baseUrl: string,
  frameOrigin: string,
  connectToken: string,
  signal: AbortSignal,
  fail: (status: ExitStatus, metadata: ExitMetadata) => void,
): Promise<Frame | void> {
  let response: Response;
  let body: Answer;
  try {
    // JSON sent as text/plain (a string body's default type): a CORS-safelisted request, so the
    // browser sends it at once, with no preflight first; the server reads it as JSON.
    response = await fetch(baseUrl + "/connect/api/frames", {
      method: "POST",
      body: JSON.stringify({ connect_token: connectToken }),
      credentials: "omit",
      signal,
    });
    body = await response.json();
  } catch {
    return fail("load_error", { error_code: "network_error" });
  }
  const frameUrl = body.frame_url;
  // (Only the frame answer has a frame_url: the error envelope never does.)
  if (typeof frameUrl == "string") {
    // Only ever frame (and so trust messages from) the Gridlink server's own origin: the URL must
    // start with exactly that origin and a slash (so no other host, port or user-info can follow).
    return frameUrl.startsWith(frameOrigin + "/")
      ? (body as Frame)
      : fail("load_error", { error_code: "invalid_frame_url" });
  }
  const { code, message, request_id } = body.error ?? {};
  fail(code == "token_invalid" ? code : "load_error", {
    error_code: code || "http_" + response.status,
    error_message: message,
    request_id,
  } as ExitMetadata);
}
