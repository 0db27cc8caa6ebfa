// A value shown once (an update link, a client or webhook secret): selectable text, a Copy button
// (the clipboard when the browser allows it, else the text is selected for Ctrl+C), and a note.
import { useId, useRef, useState } from "preact/hooks";
import { useEnv } from "./context";
import { Icon } from "./icons";

export async function copyText(text: string, field: HTMLInputElement | null): Promise<"copied" | "selected"> {
  try {
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(text);
    return "copied";
  } catch {
    field?.focus();
    field?.select();
    return "selected";
  }
}

export function ShownOnce({ label, value, note, copyLabel }: {
  label: string;
  value: string;
  copyLabel: string;
  note?: string | undefined;
}) {
  const { t } = useEnv();
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "selected" | null>(null);
  return (
    <div class="shown-once">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input
          ref={field} id={id} class="mono" type="text" readOnly value={value}
          onFocus={(event) => (event.currentTarget as HTMLInputElement).select()}
        />
        <button type="button" class="button" onClick={async () => setCopied(await copyText(value, field.current))}>
          <Icon name="copy" />
          {copyLabel}
        </button>
      </div>
      <p class="hint" role="status">
        {copied == "copied" ? t("copy.done") : copied == "selected" ? t("copy.selected") : ""}
      </p>
      {note && <p class="note">{note}</p>}
      <p class="note warning-note">{t("copy.once")}</p>
    </div>
  );
}
