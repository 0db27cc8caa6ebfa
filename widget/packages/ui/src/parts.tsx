// Small building blocks shared by the screens.
import type { ComponentChildren, JSX } from "preact";
import { names, useEnv } from "./context";
import type { MessageKey } from "./i18n";
import { Icon, type IconName } from "./icons";

export function Heading({ children }: { children: ComponentChildren }) {
  // tabIndex -1: focus moves here on a screen change (screen readers read the new screen).
  return <h1 tabIndex={-1}>{children}</h1>;
}

/**
 * Every screen: its content (scrolls when long) and its actions, pinned to the bottom of the card
 * — where a thumb finds them on a phone. With `onSubmit` the screen is one form, so Enter in a
 * field submits it.
 */
export function Screen({ children, actions, onSubmit, center }: {
  children: ComponentChildren;
  actions?: ComponentChildren;
  onSubmit?: (event: Event) => void;
  center?: boolean;
}) {
  const content = (
    <>
      <div class={center ? "body center" : "body"}>{children}</div>
      {actions && <div class="actions">{actions}</div>}
    </>
  );
  return onSubmit ? (
    <form class="screen" onSubmit={onSubmit} noValidate>{content}</form>
  ) : (
    <div class="screen">{content}</div>
  );
}

/** An icon in a tinted disc at the top of a result screen. */
export function Badge({ icon, tone = "accent" }: { icon: IconName; tone?: "accent" | "danger" | "neutral" }) {
  return (
    <span class={`badge ${tone}`}>
      <Icon name={icon} size={28} />
    </span>
  );
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

export function ExternalLink({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}

/** A message whose `{name}` placeholder is an element (e.g. a phone number that must not wrap). */
export function rich(text: (value: string) => string, node: JSX.Element): JSX.Element {
  const [before = "", after = ""] = text("\u0000").split("\u0000");
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}
