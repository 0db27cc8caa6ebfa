// A modal dialog: labelled by its title, focus kept inside (Tab wraps), Escape closes, and focus
// returns to what opened it. The backdrop covers the page behind (aria-modal tells readers).
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef } from "preact/hooks";
import { useEnv } from "./context";
import { Icon } from "./icons";

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function Dialog({ title, description, onClose, children, actions, role = "dialog" }: {
  title: string;
  description?: string;
  onClose: () => void;
  children?: ComponentChildren;
  actions: ComponentChildren;
  role?: "dialog" | "alertdialog";
}) {
  const { t } = useEnv();
  const id = useId();
  const box = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const node = box.current!;
    const first = node.querySelector<HTMLElement>("[data-autofocus]") ?? node.querySelector<HTMLElement>(FOCUSABLE);
    (first ?? node).focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key == "Escape") {
        event.preventDefault();
        close.current();
      } else if (event.key == "Tab") {
        const items = [...node.querySelectorAll<HTMLElement>(FOCUSABLE)];
        if (items.length == 0) return event.preventDefault();
        const at = items.indexOf(document.activeElement as HTMLElement);
        if (event.shiftKey && at <= 0) {
          event.preventDefault();
          items[items.length - 1]!.focus();
        } else if (!event.shiftKey && at == items.length - 1) {
          event.preventDefault();
          items[0]!.focus();
        }
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus?.();
    };
  }, []);

  return (
    <div class="backdrop">
      <div
        ref={box} class="dialog" role={role} aria-modal="true" aria-labelledby={id + "-title"}
        aria-describedby={description ? id + "-desc" : undefined} tabIndex={-1}
      >
        <div class="dialog-head">
          <h2 id={id + "-title"}>{title}</h2>
          <button type="button" class="icon-button" aria-label={t("close")} onClick={onClose}>
            <Icon name="close" />
          </button>
        </div>
        {description && <p id={id + "-desc"} class="muted">{description}</p>}
        {children}
        <div class="dialog-actions">{actions}</div>
      </div>
    </div>
  );
}

/** "Are you sure?" for what cannot be undone: the confirm button names the action. */
export function Confirm({ title, body, confirm, busy, error, onConfirm, onCancel }: {
  title: string;
  body: string;
  confirm: string;
  busy?: boolean;
  error?: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useEnv();
  return (
    <Dialog
      title={title} description={body} onClose={onCancel} role="alertdialog"
      actions={
        <>
          <button type="button" class="button" data-autofocus onClick={onCancel}>{t("cancel")}</button>
          <button type="button" class="button danger" disabled={busy} onClick={onConfirm}>{confirm}</button>
        </>
      }
    >
      {error}
    </Dialog>
  );
}
