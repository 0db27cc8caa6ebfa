import { useState } from "preact/hooks";
import type { MfaOption } from "../api";
import { names, useEnv } from "../context";
import type { MessageKey, Translate } from "../i18n";
import { Icon, type IconName } from "../icons";
import { Announce, Badge, Heading, Screen, rich } from "../parts";

const METHOD: Record<MfaOption["method"], [MessageKey, IconName]> = {
  sms: ["mfa.sms", "message"],
  call: ["mfa.call", "phone"],
  email: ["mfa.email", "mail"],
};

/** A masked phone number or address: one piece that never breaks across lines. */
const destination = (value: string) => <span class="nowrap">{value}</span>;

function describe(t: Translate, option: MfaOption) {
  return rich((d) => t(METHOD[option.method][0], { destination: d }), destination(option.destination));
}

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

  const action = <button type="submit" class="primary" disabled={busy}>{busy ? t("mfa.checking") : t("mfa.send")}</button>;
  return (
    <Screen onSubmit={send} actions={action}>
      <Badge icon="lock" />
      <Heading>{t("mfa.methodHeading")}</Heading>
      <p class="lead">{t("mfa.methodIntro", names(env))}</p>
      <fieldset class="choices">
        <legend class="caption">{t("mfa.methodLegend")}</legend>
        {options.map((option, index) => (
          <Option
            key={option.id} option={option} first={index == 0} on={(selected ?? options[0]?.id) == option.id}
            onSelect={() => setSelected(option.id)}
          />
        ))}
      </fieldset>
      <Announce message={error} kind="alert" />
    </Screen>
  );
}

function Option({ option, first, on, onSelect }: {
  option: MfaOption;
  first: boolean;
  on: boolean;
  onSelect: () => void;
}) {
  const { t } = useEnv();
  return (
    <label class={on ? "choice selected" : "choice"}>
      <input
        type="radio" name="mfa" value={option.id} data-autofocus={first ? true : undefined} checked={on}
        onChange={onSelect}
      />
      <span class="mark neutral">
        <Icon name={METHOD[option.method][1]} size={20} />
      </span>
      <span class="choice-text">
        <span class="name">{describe(t, option)}</span>
      </span>
      <span class={on ? "radio on" : "radio"} aria-hidden="true">
        <Icon name="check" size={14} />
      </span>
    </label>
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

  const actions = (
    <>
      <button type="submit" class="primary" disabled={busy}>{busy ? t("mfa.checking") : t("mfa.verify")}</button>
      <button type="button" class="secondary" disabled={busy} onClick={() => controller.resend()}>
        {t("mfa.resend")}
      </button>
    </>
  );
  return (
    <Screen onSubmit={submit} actions={actions}>
      <Badge icon={option ? METHOD[option.method][1] : "lock"} />
      <Heading>{t("mfa.codeHeading")}</Heading>
      {option && (
        <p class="lead">{rich((d) => t("mfa.codeSent", { ...names(env), destination: d }), destination(option.destination))}</p>
      )}
      <div class="field">
        <label for="gl-code">{t("mfa.code")}</label>
        <input
          id="gl-code" name="code" class="code" data-autofocus inputMode="numeric" autoComplete="one-time-code"
          maxLength={20} value={code} aria-invalid={wrong ? "true" : undefined} onInput={(e) => setCode(e.currentTarget.value)}
        />
      </div>
      <p role="alert" class={wrong ? "alert" : "quiet"}>{wrong ?? ""}</p>
      <Announce message={error} kind="alert" />
      <Announce message={notice} kind="status" />
    </Screen>
  );
}
