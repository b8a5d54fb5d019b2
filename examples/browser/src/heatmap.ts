// The cosine-similarity matrix as a table whose cells are coloured by value (white 0 … blue 1, red < 0).
export function cosineMatrix(vectors: readonly Float32Array[]): number[][] {
  const norms = vectors.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1);
  return vectors.map((a, i) =>
    vectors.map((b, j) => {
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      return dot / (norms[i]! * norms[j]!);
    }),
  );
}

function colour(c: number): string {
  const t = Math.min(1, Math.abs(c));
  const [r, g, b] = c >= 0 ? [255 - 200 * t, 255 - 150 * t, 255] : [255, 255 - 180 * t, 255 - 180 * t];
  return `rgb(${r | 0}, ${g | 0}, ${b | 0})`;
}

export function renderHeatmap(table: HTMLTableElement, labels: readonly string[], m: readonly number[][]): void {
  table.replaceChildren();
  const head = table.createTHead().insertRow();
  head.appendChild(document.createElement('th'));
  labels.forEach((_, j) => {
    const th = document.createElement('th');
    th.textContent = String(j + 1);
    head.appendChild(th);
  });
  const body = table.createTBody();
  m.forEach((row, i) => {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = `${i + 1}. ${labels[i]}`;
    th.title = labels[i]!;
    tr.appendChild(th);
    row.forEach((c) => {
      const td = tr.insertCell();
      td.textContent = c.toFixed(2);
      td.style.background = colour(c);
      if (c > 0.6) td.style.color = '#fff';
    });
  });
}
