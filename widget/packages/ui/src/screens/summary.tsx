// What a stored Green Button file held: its meters, readings and dates in the session's
// language, and what the reader had to work around; Continue completes it as a sign-in does.
import type { FileFound, MeterFound } from "../api";
import { names, useEnv } from "../context";
import { fileCadence, formatCount, formatDays, meterCadence, pluralForm, type Cadence } from "../files";
import type { Lang, MessageKey, Translate } from "../i18n";
import { Icon } from "../icons";
import { Announce, Badge, Heading, Screen } from "../parts";

export function UploadSummary() {
  const env = useEnv();
  const { t, lang, controller } = env;
  const { upload, busy, error } = controller.state;
  const found = upload.stored?.found;
  if (!found) return null;
  const words = new Words(t, lang);
  const nothingNew = found.readings > 0 && found.new_readings == 0;
  const cont = (
    <button type="button" class="primary" disabled={busy} onClick={() => controller.continueWithFile()}>
      {t("continue")}
    </button>
  );
  return (
    <Screen actions={cont}>
      <div class="center">
        <Badge icon="check" />
        <Heading>{t("found.heading")}</Heading>
        <p class="lead">{words.summary(found)}</p>
        {nothingNew && <p class="lead">{t("found.nothingNew", names(env))}</p>}
      </div>
      <section aria-labelledby="gl-meters">
        <h2 id="gl-meters" class="caption">{t("found.meters")}</h2>
        <ul class="accounts">
          {found.meters.map((meter) => (
            <li key={meter.meter_id}>
              <span class="mark neutral">
                <Icon name="chart" size={20} />
              </span>
              <span class="choice-text">
                <span class="name">{words.meterName(meter)}</span>
                <span class="small">{words.meterDetails(meter)}</span>
              </span>
            </li>
          ))}
        </ul>
      </section>
      {found.warnings.length > 0 && (
        <section aria-labelledby="gl-warnings">
          <h2 id="gl-warnings" class="caption">{t("found.warnings")}</h2>
          <ul class="warnings small">
            {found.warnings.map((warning, i) => <li key={i}>{warning}</li>)}
          </ul>
        </section>
      )}
      <Announce message={error} kind="alert" />
    </Screen>
  );
}

/** The summary's phrases: counts with their plural form, reading lengths, days. */
class Words {
  constructor(private readonly t: Translate, private readonly lang: Lang) {}

  count(base: string, n: number): string {
    const key = `${base}${pluralForm(this.lang, n)}` as MessageKey;
    return this.t(key, { count: formatCount(this.lang, n) });
  }

  readings(n: number, cadence: Cadence | null): string {
    return this.count(`found.${cadence ?? "readings"}`, n);
  }

  /** "We found 1 meter with 8,760 hourly readings from Jan 1, 2024 to Dec 31, 2024." */
  summary(found: FileFound): string {
    const meters = this.count("found.meters", found.meters.length);
    if (found.readings > 0 && found.start && found.end) {
      const [start, end] = formatDays(this.lang, found.start, found.end);
      const readings = this.readings(found.readings, fileCadence(found));
      return this.t("found.summary", { meters, readings, start, end });
    }
    if (found.statements > 0) {
      return this.t("found.summaryBills", { meters, statements: this.count("found.statements", found.statements) });
    }
    return this.t("found.summaryEmpty", { meters });
  }

  /** What the meter measures: "Electric". */
  meterName(meter: MeterFound): string {
    const known = ["electric", "gas", "water"].includes(meter.commodity);
    return known ? this.t(`commodity.${meter.commodity}` as MessageKey) : meter.commodity;
  }

  /** "Meter 1234567 · 8,760 hourly readings · 12 bills · Jan 1, 2024 to Dec 31, 2024". The
   * number only when it has a digit: a utility's CSV names its meters by their usage type
   * ("Electric usage"), which says nothing the name does not. */
  meterDetails(meter: MeterFound): string {
    const parts: string[] = [];
    if (/\d/.test(meter.number)) parts.push(this.t("found.meter", { number: meter.number }));
    if (meter.readings > 0) parts.push(this.readings(meter.readings, meterCadence(meter)));
    if (meter.statements > 0) parts.push(this.count("found.statements", meter.statements));
    if (meter.start && meter.end) {
      const [start, end] = formatDays(this.lang, meter.start, meter.end);
      parts.push(this.t("found.period", { start, end }));
    }
    return parts.join(" · ");
  }
}
