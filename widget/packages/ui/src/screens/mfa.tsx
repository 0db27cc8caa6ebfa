import { useState } from "preact/hooks";
import type { MfaOption } from "../api";
import { names, useEnv } from "../context";
import type { MessageKey, Translate } from "../i18n";
import { Actions, Announce, Heading } from "../parts";

const METHOD_TEXT: Record<MfaOption["method"], MessageKey> = { sms: "mfa.sms", call: "mfa.call", email: "mfa.email" };

const describe = (t: Translate, option: MfaOption) => t(METHOD_TEXT[option.method], { destination: option.destination });

export function MfaMethod() {
  const env = useEnv();
  const { t, controller } = env;
  const { attempt, busy, error } = controller.state;
  const options = attempt?.mfa?.options ?? [];
  const [selected, setSelected] = useState<string | null>(options.length == 1 ? options[0]!.id : null);

  function send(event: Event): void {
    event.preventDefault();
    const choice = selected ?? options[0]?.id;
    if (choice) void controller.chooseMfa(choice);
  }

  return (
    <>
      <Heading>{t("mfa.methodHeading")}</Heading>
      <p>{t("mfa.methodIntro", names(env))}</p>
      <form onSubmit={send} noValidate>
        <fieldset class="choices">
          <legend>{t("mfa.methodLegend")}</legend>
          {options.map((option, index) => (
            <label key={option.id} class="choice">
              <input
                type="radio" name="mfa" value={option.id} data-autofocus={index == 0 ? true : undefined}
                checked={(selected ?? options[0]?.id) == option.id} onChange={() => setSelected(option.id)}
              />
              <span class="name">{describe(t, option)}</span>
            </label>
          ))}
        </fieldset>
        <Announce message={error} kind="alert" />
        <Actions>
          <button type="submit" class="primary" disabled={busy}>{busy ? t("mfa.checking") : t("mfa.send")}</button>
        </Actions>
      </form>
    </>
  );
}

export function MfaCode() {
  const env = useEnv();
  const { t, controller } = env;
  const { attempt, busy, error, notice, wrongCode } = controller.state;
  const [code, setCode] = useState("");
  const option = attempt?.mfa?.options.find((o) => o.id == attempt.mfa?.selected_option_id) ?? attempt?.mfa?.options[0];
  const wrong =
    wrongCode == null ? null : wrongCode == 1 ? t("mfa.wrongOne") : t("mfa.wrongMany", { count: wrongCode });

  function submit(event: Event): void {
    event.preventDefault();
    if (!code.trim()) return;
    void controller.submitCode(code);
    setCode("");
  }

  return (
    <>
      <Heading>{t("mfa.codeHeading")}</Heading>
      {option && <p>{t("mfa.codeSent", { ...names(env), destination: option.destination })}</p>}
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="gl-code">{t("mfa.code")}</label>
          <input
            id="gl-code" name="code" data-autofocus inputMode="numeric" autoComplete="one-time-code" maxLength={20}
            value={code} aria-invalid={wrong ? "true" : undefined} onInput={(e) => setCode(e.currentTarget.value)}
          />
        </div>
        <p role="alert" class={wrong ? "alert" : "quiet"}>{wrong ?? ""}</p>
        <Announce message={error} kind="alert" />
        <Announce message={notice} kind="status" />
        <Actions>
          <button type="submit" class="primary" disabled={busy}>{busy ? t("mfa.checking") : t("mfa.verify")}</button>
          <button type="button" class="link" disabled={busy} onClick={() => controller.resend()}>
            {t("mfa.resend")}
          </button>
        </Actions>
      </form>
    </>
  );
}
