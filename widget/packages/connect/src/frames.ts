// Step 2 of the protocol: trade the connect token for a frame URL. The token travels in a POST
// body (never in a URL); the answer's URL carries only a single-use frame ticket in its fragment.
import type { Card } from "./overlay";
import type { ExitMetadata, ExitStatus } from "./types";

/** The server's answer: the frame URL, and what the loading card shows (embed protocol §1). */
export interface Frame extends Card {
  frame_url: string;
  session_id?: string;
}

export type FrameAnswer = { frame: Frame } | { status: ExitStatus; metadata: ExitMetadata };

// The API error envelope ({"error": {"code", "message", "request_id"}}) or the frame answer.
type Answer = Partial<Frame> & { error?: { code?: string; message?: string; request_id?: string } };

/**
 * Never rejects. Failures become `load_error` with `error_code` "network_error" (no answer: wrong
 * baseUrl, CSP connect-src, CORS), "invalid_frame_url" (a frame outside baseUrl's origin), or the
 * server's own error code and message; `token_invalid` from the server ends with that status.
 */
export async function requestFrame(baseUrl: string, connectToken: string, signal: AbortSignal): Promise<FrameAnswer> {
  let response: Response;
  let body: Answer;
  try {
    response = await fetch(baseUrl + "/connect/api/frames", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ connect_token: connectToken }),
      credentials: "omit",
      signal,
    });
    body = await response.json();
  } catch {
    return { status: "load_error", metadata: { error_code: "network_error" } };
  }
  const frameUrl = body.frame_url;
  if (response.ok && typeof frameUrl == "string") {
    // Only ever frame (and so trust messages from) the Gridlink server's own origin.
    return new URL(frameUrl, baseUrl).origin == new URL(baseUrl).origin
      ? { frame: body as Frame }
      : { status: "load_error", metadata: { error_code: "invalid_frame_url" } };
  }
  const { code, message, request_id } = body.error ?? {};
  return {
    status: code == "token_invalid" ? code : "load_error",
    metadata: { error_code: code || "http_" + response.status, error_message: message, request_id } as ExitMetadata,
  };
}
