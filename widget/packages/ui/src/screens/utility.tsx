// One search field (a ZIP code or a name) above the list of utilities. What was typed and found
// lives in the controller, so Back brings the screen back as it was.
import { useEffect, useRef } from "preact/hooks";
import type { Utility } from "../api";
import { useEnv } from "../context";
import type { MessageKey, Translate } from "../i18n";
import { Icon } from "../icons";
import { Mark, sameOrigin } from "../marks";
import { Heading, Screen } from "../parts";

const SEARCH_DELAY_MS = 300;

export function UtilityScreen() {
  const { t, controller } = useEnv();
  const { busy, error, search } = controller.state;
  const { query, results, bestMatch, selected, problem } = search;
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    if (results == null) void controller.search(); // the first list: everything, no event
    return () => clearTimeout(timer.current);
  }, []);

  function type(value: string): void {
    controller.typeQuery(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void controller.search(), SEARCH_DELAY_MS);
  }

  function searchNow(event: KeyboardEvent): void {
    if (event.key != "Enter") return;
    event.preventDefault(); // Enter searches here; it does not submit the screen
    clearTimeout(timer.current);
    void controller.search(true);
  }

  function submit(event: Event): void {
    event.preventDefault();
    void controller.chooseSelected();
  }

  const message = problem ?? error;
  const cont = <button type="submit" class="primary" disabled={busy}>{t("continue")}</button>;
  return (
    <Screen onSubmit={submit} actions={cont}>
      <Heading>{t("utility.heading")}</Heading>
      <div class="search">
        <label for="gl-search">{t("utility.search")}</label>
        <span class="search-field">
          <Icon name="search" size={20} />
          <input
            id="gl-search" name="q" type="search" data-autofocus autoComplete="off" maxLength={100}
            aria-describedby="gl-search-hint" value={query}
            onInput={(e) => type(e.currentTarget.value)} onKeyDown={searchNow}
          />
        </span>
        <p id="gl-search-hint" class="small">{t("utility.hint")}</p>
      </div>
      <p role="status" class="sr-only">{results ? count(t, results.length) : ""}</p>
      {results && results.length > 0 && (
        <fieldset class="choices">
          <legend class="caption">{t("utility.list")}</legend>
          {results.map((utility) => (
            <Choice
              key={utility.id} utility={utility} t={t} best={utility.id == bestMatch}
              checked={selected == utility.id} onSelect={() => controller.selectUtility(utility.id)}
            />
          ))}
        </fieldset>
      )}
      <p role="alert" class={message ? "alert" : "quiet"}>{message ? t(message) : ""}</p>
    </Screen>
  );
}

function count(t: Translate, n: number): string {
  return n == 1 ? t("utility.countOne") : t("utility.countMany", { count: n });
}

function Choice({ utility, t, best, checked, onSelect }: {
  utility: Utility;
  t: Translate;
  best: boolean;
  checked: boolean;
  onSelect: () => void;
}) {
  return (
    <label class={checked ? "choice selected" : "choice"}>
      <input type="radio" name="utility" value={utility.id} checked={checked} onChange={onSelect} />
      <Mark name={utility.name} logo={sameOrigin(utility.logo_url) ? utility.logo_url : null} />
      <span class="choice-text">
        <span class="name">{utility.name}</span>
        <span class="small">
          {utility.commodities.map((c) => t(`commodity.${c}` as MessageKey)).join(" · ")}
          {best && <span class="pill">{t("utility.bestMatch")}</span>}
        </span>
      </span>
      <span class={checked ? "radio on" : "radio"} aria-hidden="true">
        <Icon name="check" size={14} />
      </span>
    </label>
  );
}
