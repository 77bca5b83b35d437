/**
 * A small SVG line-chart writer for the benchmark charts (no dependency): log-scale x axis, linear or
 * log y axis, several series with markers and optional error bars, a legend.
 */

/** One point; `low`/`high` draw an error bar. */
export interface ChartPoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** One line of a chart. */
export interface Series {
  name: string;
  points: ChartPoint[];
}

/** What to draw. */
export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log scale on y (x is always log). */
  logY?: boolean;
  /** Formats an axis value; default compact SI (1.5k, 2M). */
  format?: (value: number) => string;
}

const W = 640;
const H = 400;
const M = { left: 72, right: 24, top: 40, bottom: 76 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** 1500 → "1.5k", 2_000_000 → "2M", 0.25 → "0.25". */
export function compact(value: number): string {
  const abs = Math.abs(value);
  const trim = (v: number): string => String(Number(v.toPrecision(3)));
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Powers of ten spanning [min, max] (log axis ticks), or round steps from 0 to at least max (linear). */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(max / 5 || 1));
  const nice = [1, 2, 5, 10].map((k) => k * step).find((s) => max / s <= 6) ?? step * 10;
  const out: number[] = [0];
  while (out.at(-1)! < max) out.push(out.at(-1)! + nice);
  return out;
}

/** The chart as a standalone SVG document. */
export function lineChart(chart: Chart): string {
  const format = chart.format ?? compact;
  const all = chart.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError(`lineChart: "${chart.title}" has no points`);
  const ys = all.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]).filter((v) => !chart.logY || v > 0);
  const xTicks = ticks(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)), true);
  const yTicks = chart.logY ? ticks(Math.min(...ys), Math.max(...ys), true) : ticks(0, Math.max(...ys), false);
  const [x0, x1] = [Math.log10(xTicks[0]!), Math.log10(xTicks.at(-1)!)];
  const [y0, y1] = chart.logY ? [Math.log10(yTicks[0]!), Math.log10(yTicks.at(-1)!)] : [0, yTicks.at(-1)!];
  const px = (x: number): number => M.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const py = (y: number): number => {
    const v = chart.logY ? Math.log10(Math.max(y, 10 ** y0)) : y;
    return H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(chart.title)}</text>`,
  ];
  for (const t of xTicks) {
    out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${escape(format(t))}</text>`);
  }
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${escape(format(t))}</text>`);
  }
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 34}" text-anchor="middle">${escape(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)}</text>`);
  let legendX = M.left;
  chart.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      if (p.low !== undefined && p.high !== undefined) {
        out.push(`<line x1="${px(p.x)}" x2="${px(p.x)}" y1="${py(p.low).toFixed(1)}" y2="${py(p.high).toFixed(1)}" stroke="${colour}"/>`);
      }
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${colour}"><title>${escape(`${s.name}: ${format(p.x)} → ${format(p.y)}`)}</title></circle>`);
    }
    out.push(`<rect x="${legendX}" y="${H - 22}" width="14" height="4" fill="${colour}"/>`);
    out.push(`<text x="${legendX + 20}" y="${H - 16}">${escape(s.name)}</text>`);
    legendX += 44 + s.name.length * 7;
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
