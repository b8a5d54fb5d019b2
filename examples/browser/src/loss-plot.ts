// A live loss curve: an SVG polyline over the steps so far, axes titled and labelled with the range.
const NS = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function renderLoss(svg: SVGSVGElement, losses: readonly number[], totalSteps: number): void {
  const W = Number(svg.getAttribute('width')),
    H = Number(svg.getAttribute('height'));
  const L = 56,
    R = 10,
    T = 10,
    B = 28;
  svg.replaceChildren();
  svg.appendChild(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#999' }));
  svg.appendChild(el('line', { x1: L, y1: T, x2: L, y2: H - B, stroke: '#999' }));
  const mid = (T + H - B) / 2;
  svg.appendChild(
    el(
      'text',
      { x: 14, y: mid, 'font-size': 11, 'text-anchor': 'middle', fill: '#555', transform: `rotate(-90 14 ${mid})` },
      'loss',
    ),
  );
  if (losses.length === 0) return;
  const lo = Math.min(...losses),
    hi = Math.max(...losses);
  const span = hi - lo || 1;
  const x = (i: number) => L + ((W - L - R) * i) / Math.max(1, totalSteps - 1);
  const y = (v: number) => T + ((H - T - B) * (hi - v)) / span;
  svg.appendChild(
    el('polyline', {
      points: losses.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' '),
      fill: 'none',
      stroke: '#1f5fbf',
      'stroke-width': 2,
    }),
  );
  const text = (tx: number, ty: number, s: string, anchor = 'end') =>
    svg.appendChild(el('text', { x: tx, y: ty, 'font-size': 11, 'text-anchor': anchor, fill: '#555' }, s));
  text(L - 4, T + 10, hi.toFixed(2));
  text(L - 4, H - B, lo.toFixed(2));
  text(L, H - 10, '1', 'middle');
  text(W - R, H - 10, String(totalSteps), 'end');
  text((L + W - R) / 2, H - 10, 'step', 'middle');
}
