// Daily usage as SVG bars: a title and a summary for screen readers, and the same numbers as a
// table behind "Show as table". Missing days are gaps, not zeros.
import { useId } from "preact/hooks";
import { useEnv } from "./context";

const WIDTH = 720;
const HEIGHT = 180;
const PAD = { top: 12, right: 8, bottom: 24, left: 48 };

export function UsageChart({ unit, days }: { unit: string; days: { date: string; value: number | null }[] }) {
  const { t, fmt } = useEnv();
  const id = useId();
  const values = days.map((day) => day.value).filter((value): value is number => value !== null);
  if (values.length == 0) return <p class="muted">{t("usage.none")}</p>;
  const max = Math.max(...values, 0) || 1;
  const total = values.reduce((sum, value) => sum + value, 0);
  const peak = days.reduce((best, day) => ((day.value ?? -Infinity) > (best.value ?? -Infinity) ? day : best), days[0]!);
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / days.length;
  const bar = Math.max(2, step * 0.7);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const round = (value: number) => fmt.number(Math.round(value * 10) / 10);
  const title = t("usage.chartTitle", { days: days.length, unit });
  const summary = t("usage.summary", {
    total: round(total), unit, peak: round(peak.value ?? 0), date: fmt.date(peak.date), from: fmt.date(days[0]!.date), to: fmt.date(days[days.length - 1]!.date),
  });

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${id}-t ${id}-d`}>
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary}</desc>
        {[0, 0.5, 1].map((share) => (
          <g key={share} aria-hidden="true">
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max * share)} y2={y(max * share)} />
            <text class="axis" x={PAD.left - 6} y={y(max * share) + 4} text-anchor="end">{round(max * share)}</text>
          </g>
        ))}
        {days.map((day, index) =>
          day.value === null ? null : (
            <rect
              key={day.date} class="bar" x={PAD.left + index * step + (step - bar) / 2} y={y(day.value)}
              width={bar} height={Math.max(0, PAD.top + plotHeight - y(day.value))} rx={1.5}
            >
              <title>{`${fmt.date(day.date)}: ${round(day.value)} ${unit}`}</title>
            </rect>
          ),
        )}
        <text class="axis" x={PAD.left} y={HEIGHT - 6} aria-hidden="true">{fmt.date(days[0]!.date)}</text>
        <text class="axis" x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end" aria-hidden="true">{fmt.date(days[days.length - 1]!.date)}</text>
      </svg>
      <figcaption class="muted small">{summary}</figcaption>
      <details class="as-table">
        <summary>{t("usage.showTable")}</summary>
        <div class="table-wrap">
          <table>
            <caption class="sr-only">{title}</caption>
            <thead><tr><th scope="col">{t("col.date")}</th><th scope="col" class="num">{t("usage.value", { unit })}</th></tr></thead>
            <tbody>
              {days.map((day) => (
                <tr key={day.date}><th scope="row">{fmt.date(day.date)}</th><td class="num">{day.value === null ? "—" : round(day.value)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
