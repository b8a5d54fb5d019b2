// report.html: an offline page with the run's loss terms, dev MAP, and collapse monitors.
import { lineChart, type Series } from './svg.ts';

export interface MetricRecord {
  kind: 'train' | 'eval';
  step: number;
  [k: string]: unknown;
}

export interface ReportInput {
  title: string;
  config: Record<string, unknown>;
  records: readonly MetricRecord[];
  /** Per-dimension std of pooled embeddings on a dev sample (latest eval). */
  embStd?: readonly number[];
  /** Eigenvalues of their covariance, descending. */
  spectrum?: readonly number[];
  summary?: Record<string, unknown>;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function seriesOf(records: readonly MetricRecord[], kind: MetricRecord['kind'], key: string): Series {
  return {
    name: key,
    points: records.filter((r) => r.kind === kind && typeof r[key] === 'number').map((r) => [r.step, r[key] as number]),
  };
}

export function renderReport(r: ReportInput): string {
  const train = r.records.filter((x) => x.kind === 'train');
  const termKeys = [...new Set(train.flatMap((x) => Object.keys(x)))].filter(
    (k) =>
      !['kind', 'step', 'lr', 'tokensPerSec', 'time', 'elapsed'].includes(k) &&
      train.some((x) => typeof x[k] === 'number'),
  );
  const charts = [
    lineChart(
      'Training loss and its terms',
      termKeys.map((k) => seriesOf(r.records, 'train', k)),
      { xLabel: 'step', logY: true },
    ),
    lineChart(
      'Dev MAP (AskUbuntu reranking)',
      [seriesOf(r.records, 'eval', 'map'), seriesOf(r.records, 'eval', 'mrr10')],
      { xLabel: 'step' },
    ),
  ];
  if (r.embStd?.length) {
    charts.push(
      lineChart(
        'Per-dimension std of embeddings (sorted)',
        [{ name: 'std', points: [...r.embStd].sort((a, b) => b - a).map((v, i) => [i, v]) }],
        { xLabel: 'dimension (sorted)' },
      ),
    );
  }
  if (r.spectrum?.length) {
    charts.push(
      lineChart(
        'Eigenvalue spectrum of the embedding covariance',
        [{ name: 'eigenvalue', points: r.spectrum.map((v, i) => [i + 1, v]) }],
        { xLabel: 'rank', logY: true },
      ),
    );
  }
  const summary = r.summary ? `<h2>Summary</h2><pre>${esc(JSON.stringify(r.summary, null, 2))}</pre>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}figure,svg{display:inline-block;margin:8px}pre{background:#f6f6f6;padding:8px;overflow:auto}</style>
</head><body><h1>${esc(r.title)}</h1>${summary}
${charts.join('\n')}
<h2>Configuration</h2><pre>${esc(JSON.stringify(r.config, null, 2))}</pre>
</body></html>`;
}
