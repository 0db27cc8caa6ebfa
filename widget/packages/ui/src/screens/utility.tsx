import { useEffect, useRef, useState } from "preact/hooks";
import type { Utility } from "../api";
import { useEnv } from "../context";
import type { MessageKey } from "../i18n";
import { Actions, Announce, Heading } from "../parts";

const SEARCH_DELAY_MS = 300;

export function UtilityScreen() {
  const { t, controller } = useEnv();
  const [zip, setZip] = useState("");
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<Utility[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [bestMatch, setBestMatch] = useState<string | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);
  const latest = useRef(0); // answers that arrive out of order are dropped
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  async function load(params: { zip?: string; q?: string }, fromZip: boolean): Promise<void> {
    const ticket = ++latest.current;
    try {
      const found = await controller.searchUtilities(params);
      if (ticket != latest.current) return;
      setResults(found);
      setError(found.length ? null : "utility.none");
      // A zip pre-fills the best match (the first, ranked by the zip data).
      const best = fromZip ? found[0] ?? null : null;
      setBestMatch(best?.id ?? null);
      setSelected(best?.id ?? null);
    } catch {
      if (ticket == latest.current) setError("networkError");
    }
  }

  useEffect(() => {
    void load({}, false);
    return () => clearTimeout(timer.current);
  }, []);

  function findByZip(event: Event): void {
    event.preventDefault();
    if (!/^\d{5}$/.test(zip.trim())) return setError("utility.zipInvalid");
    void load({ zip: zip.trim() }, true);
  }

  function search(value: string): void {
    setQuery(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => void load(value.trim() ? { q: value.trim() } : {}, false), SEARCH_DELAY_MS);
  }

  function choose(event: Event): void {
    event.preventDefault();
    const utility = results?.find((u) => u.id == selected);
    if (!utility) return setError("utility.choose");
    void controller.chooseUtility(utility);
  }

  const busy = controller.state.busy;
  return (
    <>
      <Heading>{t("utility.heading")}</Heading>
      <form class="row" onSubmit={findByZip} noValidate>
        <div class="field grow">
          <label for="gl-zip">{t("utility.zip")}</label>
          <input
            id="gl-zip" name="zip" data-autofocus inputMode="numeric" autoComplete="postal-code" maxLength={10}
            aria-describedby="gl-zip-hint" value={zip} onInput={(e) => setZip(e.currentTarget.value)}
          />
          <p id="gl-zip-hint" class="small">{t("utility.zipHint")}</p>
        </div>
        <button type="submit" class="secondary">{t("utility.find")}</button>
      </form>
      <div class="field">
        <label for="gl-search">{t("utility.search")}</label>
        <input
          id="gl-search" name="q" type="search" autoComplete="off" maxLength={100}
          value={query} onInput={(e) => search(e.currentTarget.value)}
        />
      </div>
      <form onSubmit={choose} noValidate>
        {results && results.length > 0 && (
          <fieldset class="choices">
            <legend>{t("utility.list")}</legend>
            {results.map((utility) => (
              <label key={utility.id} class="choice">
                <input
                  type="radio" name="utility" value={utility.id} checked={selected == utility.id}
                  onChange={() => setSelected(utility.id)}
                />
                <span>
                  <span class="name">{utility.name}</span>
                  <span class="small">
                    {utility.commodities.map((c) => t(`commodity.${c}` as MessageKey)).join(" · ")}
                    {utility.id == bestMatch && <strong class="badge"> {t("utility.bestMatch")}</strong>}
                  </span>
                </span>
              </label>
            ))}
          </fieldset>
        )}
        <Announce message={error ?? controller.state.error} kind="alert" />
        <Actions>
          <button type="submit" class="primary" disabled={busy}>{t("continue")}</button>
        </Actions>
      </form>
    </>
  );
}
