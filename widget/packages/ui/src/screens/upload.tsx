// Upload a Green Button file: how to download it from the utility, then a file picker (and a
// drop zone) that sends it with its progress shown. The file and its progress live in the
// controller (controller.sendFile), so Back and Cancel find the request to abort.
import { useEffect, useRef, useState } from "preact/hooks";
import { names, useEnv } from "../context";
import { ACCEPTED, MAX_UPLOAD_BYTES, formatSize, hintFor } from "../files";
import { Icon } from "../icons";
import { Heading, Screen } from "../parts";

export function UploadScreen() {
  const env = useEnv();
  const { t, lang, controller } = env;
  const { session, upload, busy } = controller.state;
  const { file, progress, problem, detail } = upload;
  const values = names(env);
  const hint = hintFor(session?.utility?.id);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const alert = useRef<HTMLDivElement>(null);
  const wasSending = useRef(false);
  const limit = formatSize(lang, MAX_UPLOAD_BYTES);

  // A file dropped beside the drop zone would make the browser open it in place of Connect.
  useEffect(() => {
    const keep = (event: DragEvent) => event.preventDefault();
    document.addEventListener("dragover", keep);
    document.addEventListener("drop", keep);
    return () => {
      document.removeEventListener("dragover", keep);
      document.removeEventListener("drop", keep);
    };
  }, []);

  // A send that ended here (refused, or Cancel): the picker is back, and takes the focus the
  // Cancel button had; a problem comes into view (the how-to above may have pushed it down).
  useEffect(() => {
    if (!progress && wasSending.current) picker.current?.focus({ preventScroll: true });
    wasSending.current = progress != null;
  }, [progress == null]);
  useEffect(() => {
    if (problem) alert.current?.scrollIntoView?.({ block: "nearest" });
  }, [problem, detail]);

  function picked(input: HTMLInputElement): void {
    const files = [...(input.files ?? [])];
    input.value = ""; // the same file, fixed and picked again, is a new choice
    void controller.sendFiles(files);
  }

  function dragging(event: DragEvent): void {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = progress ? "none" : "copy";
    setOver(!progress);
  }

  function dropped(event: DragEvent): void {
    event.preventDefault();
    setOver(false);
    if (!progress) void controller.sendFiles(event.dataTransfer?.files ?? []);
  }

  const actions = progress ? (
    <button type="button" class="secondary" onClick={() => controller.cancelUpload()}>{t("upload.cancel")}</button>
  ) : (
    <span class="picker">
      <input
        ref={picker} id="gl-file" class="file-input" type="file" name="file" accept={ACCEPTED}
        aria-describedby="gl-file-formats" disabled={busy} onChange={(e) => picked(e.currentTarget)}
      />
      <label for="gl-file" class="primary">{t(problem ? "upload.chooseAnother" : "upload.choose")}</label>
    </span>
  );
  return (
    <Screen actions={actions}>
      <Heading>{t("upload.heading")}</Heading>
      <p class="lead">{t(session?.mode == "update" ? "upload.introUpdate" : "upload.intro", values)}</p>
      <h2 class="caption">{t("upload.howTo")}</h2>
      <ol class="steps">
        <li>{t("upload.step1", values)}</li>
        <li>{t(hint ?? "upload.step2", values)}</li>
        <li>{t("upload.step3")}</li>
      </ol>
      {progress && file ? (
        <Sending name={file.name} sent={progress.sent} total={progress.total} />
      ) : (
        // Pointer users may drop a file here or click it; the picker below is the keyboard's way.
        <div
          class={over ? "dropzone over" : "dropzone"} onClick={() => picker.current?.click()}
          onDragEnter={dragging} onDragOver={dragging} onDragLeave={() => setOver(false)} onDrop={dropped}
        >
          <Icon name="upload" size={28} />
          <span class="name">{t(over ? "upload.dropNow" : "upload.drop")}</span>
          <span id="gl-file-formats" class="small">{t("upload.formats", { size: limit })}</span>
        </div>
      )}
      <div role="alert" ref={alert} class={problem ? "alert upload-problem" : "quiet"}>
        {problem && <p>{t(problem, { ...values, name: file?.name ?? "", size: limit })}</p>}
        {problem && detail && <p class="detail">{detail}</p>}
      </div>
    </Screen>
  );
}

/** The file on its way: a real progress bar (the request's upload progress), then "Reading your
 * file…" while the server reads it. */
function Sending({ name, sent, total }: { name: string; sent: number; total: number }) {
  const { t, lang } = useEnv();
  const percent = total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 0;
  const reading = total > 0 && sent >= total;
  return (
    <div class="sending">
      <span class="file-line">
        <Icon name="file" size={20} />
        <span class="name file-name">{name}</span>
      </span>
      <div
        role="progressbar" aria-label={t("upload.sending", { name })} aria-valuemin={0} aria-valuemax={100}
        aria-valuenow={percent} class={reading ? "bar reading" : "bar"}
      >
        {/* Drawn by CSSOM (the page's CSP allows no style attribute). */}
        <span style={{ transform: `scaleX(${percent / 100})` }} />
      </div>
      <p role="status" class="small">
        {reading
          ? t("upload.reading")
          : t("upload.progress", { sent: formatSize(lang, sent), total: formatSize(lang, total) })}
      </p>
    </div>
  );
}
