// Minimal inline-SVG line charts for the offline report (no network, no scripts): titled axes, plain
// tick labels (decades on log axes), labelled horizontal reference lines, and a legend below.
import { linearTicks, logTicks, tickLabel } from './ticks.ts';

export interface Series {
  name: string;
  points: readonly [number, number][];
  /** How the points are drawn: joined by a line (default) or as markers only (a lone evaluation). */
  style?: 'line' | 'markers';
  /** The marker shape; squares set a series apart from the circles of the others. */
  marker?: 'circle' | 'square';
}

/** A labelled horizontal line: a baseline the series are read against. */
export interface RefLine {
  /** The legend's name for it. */
  name: string;
  y: number;
  /** A short label drawn beside the line (default: the name). */
  label?: string;
}

export interface ChartOptions {
  logY?: boolean;
  xLabel?: string;
  yLabel?: string;
  refLines?: readonly RefLine[];
}

const COLORS = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];
const REF_COLORS = ['#555', '#999', '#b8860b', '#6a5acd'];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const f1 = (v: number) => v.toFixed(1);

function marker(shape: Series['marker'], x: number, y: number, c: string, r = 2.5): string {
  return shape === 'square'
    ? `<rect x="${f1(x - r - 1)}" y="${f1(y - r - 1)}" width="${2 * r + 2}" height="${2 * r + 2}" fill="${c}" stroke="#fff" stroke-width="0.8"/>`
    : `<circle cx="${f1(x)}" cy="${f1(y)}" r="${r}" fill="${c}"/>`;
}

/** Spread label positions (sorted by y) so that no two are closer than `gap` pixels. */
function spread(ys: number[], gap: number): number[] {
  const order = ys.map((y, i) => [y, i] as const).sort((a, b) => a[0] - b[0]);
  const out = [...ys];
  let prev = -Infinity;
  for (const [y, i] of order) {
    out[i] = Math.max(y, prev + gap);
    prev = out[i]!;
  }
  return out;
}

export function lineChart(title: string, series: readonly Series[], opts: ChartOptions = {}): string {
  const refs = (opts.refLines ?? []).filter((r) => Number.isFinite(r.y) && (!opts.logY || r.y > 0));
  const W = 720,
    L = 64,
    R = 110, // room for the reference lines' labels
    T = 28,
    plotH = 220;
  // The legend flows in rows below the plot; widths estimated from the text (about 6.3 px a character).
  const names = [...series.map((s) => s.name), ...refs.map((r) => r.name)];
  const slots: [number, number][] = [];
  let [lx, row] = [0, 0];
  for (const n of names) {
    const w = 34 + n.length * 6.3;
    if (lx > 0 && lx + w > W - L) [lx, row] = [0, row + 1];
    slots.push([lx, row]);
    lx += w + 12;
  }
  const H = T + plotH + 40 + (row + 1) * 16 + 4;
  const bottom = T + plotH;
  const usable = (y: number) => Number.isFinite(y) && (!opts.logY || y > 0);
  const pts = series.flatMap((s) => s.points.filter(([, y]) => usable(y)));
  if (!pts.length) return `<figure><figcaption>${esc(title)}</figcaption><p>(no data)</p></figure>`;
  const ys = [...pts.map((p) => p[1]), ...refs.map((r) => r.y)];
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  if (x1 === x0) x1 = x0 + 1;
  const xTicks = linearTicks(x0, x1);
  x1 += (x1 - x0) * 0.015; // a marker at the last step stays off the frame
  let yTicks: number[];
  let tf: (y: number) => number;
  let y0: number, y1: number;
  let minor: number[] = [];
  if (opts.logY) {
    const t = logTicks(Math.min(...ys), Math.max(...ys));
    yTicks = t.ticks;
    tf = Math.log10;
    const pad = (Math.log10(t.hi) - Math.log10(t.lo)) * 0.03; // no line on the frame
    [y0, y1] = [Math.log10(t.lo) - pad, Math.log10(t.hi) + pad];
    // Unlabelled 2..9 gridlines between decade ticks, where the axis spans few decades.
    if (yTicks.length <= 4 && yTicks.every((v) => Number.isInteger(Math.round(Math.log10(v) * 1e9) / 1e9)))
      minor = yTicks.flatMap((d) => [0.1, 1].flatMap((s) => [2, 3, 4, 5, 6, 7, 8, 9].map((m) => d * s * m)));
  } else {
    let [lo, hi] = [Math.min(...ys), Math.max(...ys)];
    const pad = (hi - lo || Math.abs(hi) || 1) * 0.06; // no line on the frame
    [lo, hi] = [lo - pad, hi + pad];
    yTicks = linearTicks(lo, hi);
    tf = (y) => y;
    [y0, y1] = [lo, hi];
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => bottom - ((tf(y) - y0) / (y1 - y0)) * plotH;
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(title)}">`;
  svg += `<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`;
  for (const t of minor.filter((v) => tf(v) > y0 && tf(v) < y1)) {
    svg += `<line x1="${L}" x2="${W - R}" y1="${f1(sy(t))}" y2="${f1(sy(t))}" stroke="#f3f3f3"/>`;
  }
  for (const t of yTicks) {
    const y = sy(t);
    svg += `<line x1="${L}" x2="${W - R}" y1="${f1(y)}" y2="${f1(y)}" stroke="#e4e4e4"/><text class="ytick" x="${L - 4}" y="${f1(y + 4)}" text-anchor="end">${tickLabel(t)}</text>`;
  }
  for (const t of xTicks) {
    svg += `<line x1="${f1(sx(t))}" x2="${f1(sx(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/><text class="xtick" x="${f1(sx(t))}" y="${bottom + 15}" text-anchor="middle">${tickLabel(t)}</text>`;
  }
  svg += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${plotH}" fill="none" stroke="#999"/>`;
  if (opts.xLabel)
    svg += `<text class="axis-title" x="${(L + W - R) / 2}" y="${bottom + 30}" text-anchor="middle">${esc(opts.xLabel)}</text>`;
  if (opts.yLabel)
    svg += `<text class="axis-title" x="14" y="${T + plotH / 2}" transform="rotate(-90 14 ${T + plotH / 2})" text-anchor="middle">${esc(opts.yLabel)}</text>`;
  // Reference lines: dashed across the plot, each labelled at the right edge (labels kept apart).
  const labelYs = spread(
    refs.map((r) => sy(r.y) + 4),
    12,
  );
  refs.forEach((r, i) => {
    const c = REF_COLORS[i % REF_COLORS.length];
    const y = f1(sy(r.y));
    svg += `<line class="refline" x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="1.2" stroke-dasharray="6 4"/>`;
    svg += `<text class="reflabel" x="${W - R + 4}" y="${f1(labelYs[i]!)}" fill="${c}">${esc(r.label ?? r.name)}</text>`;
  });
  const legend: string[] = [];
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]!;
    const ok = s.points.filter(([, y]) => usable(y));
    if (ok.length && s.style !== 'markers') {
      const d = ok.map(([x, y], k) => `${k ? 'L' : 'M'}${f1(sx(x))},${f1(sy(y))}`).join('');
      svg += `<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`;
    }
    if (ok.length < 40 || s.style === 'markers')
      for (const [x, y] of ok) svg += marker(s.marker, sx(x), sy(y), c, s.style === 'markers' ? 4 : 2.5);
    const sample =
      s.style === 'markers'
        ? marker(s.marker, 10, -4, c, 4)
        : `<line x1="0" x2="20" y1="-4" y2="-4" stroke="${c}" stroke-width="2"/>${s.marker === 'square' ? marker('square', 10, -4, c) : ''}`;
    legend.push(`${sample}<text x="26" y="0">${esc(s.name)}</text>`);
  });
  refs.forEach((r, i) => {
    const c = REF_COLORS[i % REF_COLORS.length];
    legend.push(
      `<line x1="0" x2="20" y1="-4" y2="-4" stroke="${c}" stroke-width="1.2" stroke-dasharray="6 4"/><text x="26" y="0">${esc(r.name)}</text>`,
    );
  });
  legend.forEach((item, i) => {
    const [x, y] = [L + slots[i]![0], bottom + 50 + slots[i]![1] * 16];
    svg += `<g class="legend" transform="translate(${f1(x)},${y})">${item}</g>`;
  });
  return `${svg}</svg>`;
}
