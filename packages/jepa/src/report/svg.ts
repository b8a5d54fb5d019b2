// Minimal inline-SVG line charts for the offline report (no network, no scripts).

export interface Series {
  name: string;
  points: readonly [number, number][];
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
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= n) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + 1e-12; v += nice) out.push(+v.toPrecision(12));
  return out;
}

export function lineChart(
  title: string,
  series: readonly Series[],
  opts: { logY?: boolean; xLabel?: string; yLabel?: string } = {},
): string {
  const W = 600,
    H = 260,
    L = 60,
    R = 160,
    T = 28,
    B = 36;
  const tf = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-12)) : y);
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(tf(y))));
  if (!pts.length) return `<figure><figcaption>${esc(title)}</figcaption><p>(no data)</p></figure>`;
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => tf(p[1]))), Math.max(...pts.map((p) => tf(p[1])))];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((tf(y) - y0) / (y1 - y0)) * (H - T - B);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`;
  svg += `<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(title)}</text>`;
  svg += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`;
  for (const t of ticks(y0, y1)) {
    const y = H - B - ((t - y0) / (y1 - y0)) * (H - T - B);
    const label = opts.logY ? `1e${t}` : String(+t.toPrecision(4));
    svg += `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${L - 4}" y="${y + 4}" text-anchor="end">${label}</text>`;
  }
  for (const t of ticks(x0, x1)) {
    svg += `<text x="${sx(t)}" y="${H - B + 14}" text-anchor="middle">${+t.toPrecision(6)}</text>`;
  }
  if (opts.xLabel) svg += `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle">${esc(opts.xLabel)}</text>`;
  if (opts.yLabel)
    svg += `<text x="12" y="${(T + H - B) / 2}" transform="rotate(-90 12 ${(T + H - B) / 2})" text-anchor="middle">${esc(opts.yLabel)}</text>`;
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const ok = s.points.filter(([, y]) => Number.isFinite(tf(y)));
    if (ok.length) {
      const d = ok.map(([x, y], k) => `${k ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
      svg += `<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`;
      if (ok.length < 40)
        for (const [x, y] of ok)
          svg += `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${c}"/>`;
    }
    svg += `<rect x="${W - R + 8}" y="${T + i * 16}" width="10" height="10" fill="${c}"/><text x="${W - R + 22}" y="${T + 9 + i * 16}">${esc(s.name)}</text>`;
  });
  return `${svg}</svg>`;
}
