// Small building blocks shared by the screens.
import type { ComponentChildren } from "preact";
import { useEnv, names } from "./context";
import type { MessageKey } from "./i18n";

export function Heading({ children }: { children: ComponentChildren }) {
  // tabIndex -1: focus moves here on a screen change (screen readers read the new screen).
  return <h1 tabIndex={-1}>{children}</h1>;
}

/** An error (role=alert) or a notice (role=status) the screen reader announces. */
export function Announce({ message, kind }: { message: MessageKey | null; kind: "alert" | "status" }) {
  const env = useEnv();
  return (
    <p role={kind} class={message ? kind : "quiet"}>
      {message ? env.t(message, names(env)) : ""}
    </p>
  );
}

export function Actions({ children }: { children: ComponentChildren }) {
  return <div class="actions">{children}</div>;
}

export function ExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
