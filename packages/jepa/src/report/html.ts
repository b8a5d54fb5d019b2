// report.html: one offline page a person reads after a run: the final numbers beside the baselines,
// the loss terms, dev MAP and MRR@10 (the periodic subset and the whole dev set as separate series,
// the baselines as labelled lines), the collapse monitors, and what the run changed from its recipe.
import { configDiff } from './config-diff.ts';
import { lineChart, type RefLine, type Series } from './svg.ts';

export interface MetricRecord {
  kind: 'train' | 'eval';
  step: number;
  [k: string]: unknown;
}

/** A reference the run is read against, scored on the whole dev set. */
export interface ReportBaseline {
  /** What it is, e.g. "TF-IDF cosine". */
  name: string;
  /** A short label for the chart line, e.g. "TF-IDF". */
  short: string;
  map: number;
  mrr10: number;
}

/** How the run ended (the trainer's summary). */
export interface ReportSummary {
  stopped?: string;
  steps?: number;
  bestMap?: number | null;
  bestStep?: number | null;
  seconds?: number;
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
  summary?: ReportSummary;
  /** The recipe the run started from; unrecorded, the closest recipe is shown (and said to be). */
  recipe?: string | null;
  /** Baselines on the whole dev set (computed after training); absent, the report says so. */
  baselines?: readonly ReportBaseline[];
}

/** The id of the JSON block that carries what the page was drawn from beyond metrics.jsonl and train-config.json. */
export const REPORT_DATA_ID = 'report-data';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const num = (v: unknown, digits = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–');
const flag = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function seriesOf(records: readonly MetricRecord[], kind: MetricRecord['kind'], key: string): Series {
  return {
    name: key,
    points: records.filter((r) => r.kind === kind && typeof r[key] === 'number').map((r) => [r.step, r[key] as number]),
  };
}

/** An evaluation set: the records evaluated on it and how to name it. */
interface EvalSet {
  queries: number | null;
  whole: boolean;
  name: string;
  records: MetricRecord[];
}

/**
 * The evaluations grouped by the set they ran on (periodic ones on the first `evalQueries` dev
 * queries, the final one on the whole dev set), so a chart never joins two sets with one line.
 */
export function evalSets(records: readonly MetricRecord[], config: Record<string, unknown>): EvalSet[] {
  const evals = records.filter((r) => r.kind === 'eval');
  const sizes = [...new Set(evals.map((r) => (typeof r.queries === 'number' ? r.queries : null)))];
  const max = Math.max(...sizes.map((s) => s ?? -1));
  const firstN = typeof config.evalQueries === 'number' && config.evalQueries > 0 ? config.evalQueries : null;
  return sizes
    .map((q) => {
      const whole = (q ?? -1) === max;
      const n = q === null ? '' : ` (${q} queries)`;
      // One set alone is named by its size: records alone cannot tell a whole small dev set from a subset.
      const name =
        sizes.length === 1
          ? `dev set${n}`
          : whole
            ? `whole dev set${n}`
            : firstN !== null && q !== null && q <= firstN
              ? `first ${firstN} dev queries`
              : `dev subset${n}`;
      return { queries: q, whole, name, records: evals.filter((r) => (r.queries ?? null) === q) };
    })
    .sort((a, b) => Number(a.whole) - Number(b.whole));
}

function metricChart(
  title: string,
  key: 'map' | 'mrr10',
  label: string,
  sets: EvalSet[],
  baselines: readonly ReportBaseline[],
): string {
  const split = sets.length > 1;
  const series: Series[] = sets.map((s) => ({
    name: `${label}, ${split && s.whole ? 'final, ' : ''}${s.name}`,
    points: s.records.filter((r) => typeof r[key] === 'number').map((r) => [r.step, r[key] as number]),
    // The whole-set evaluation of a split run is a point or two: squares, not joined to the subset's line.
    ...(split && s.whole ? { style: 'markers' as const, marker: 'square' as const } : {}),
  }));
  const refLines: RefLine[] = baselines.map((b) => ({
    name: `${b.name}, whole dev set`,
    label: `${b.short} ${num(b[key], 1)}`,
    y: b[key],
  }));
  return lineChart(title, series, { xLabel: 'step', yLabel: label, refLines });
}

function summaryTable(r: ReportInput, sets: EvalSet[]): string {
  const s = r.summary ?? {};
  const whole = sets.find((x) => x.whole);
  const final = whole?.records.at(-1);
  const rows: string[] = [];
  const row = (cls: string, name: string, map: unknown, mrr: unknown, on: string) =>
    rows.push(
      `<tr class="${cls}"><th scope="row">${esc(name)}</th><td>${num(map)}</td><td>${num(mrr)}</td><td>${esc(on)}</td></tr>`,
    );
  if (final)
    row(
      'run',
      `this run, ${sets.length > 1 ? 'final' : 'last evaluation'} (step ${final.step})`,
      final.map,
      final.mrr10,
      whole!.name,
    );
  const periodic = sets.find((x) => !x.whole);
  if (periodic && typeof s.bestStep === 'number') {
    const best = periodic.records.find((x) => x.step === s.bestStep);
    if (best) row('best', `best periodic evaluation (step ${best.step})`, best.map, best.mrr10, periodic.name);
  }
  for (const b of r.baselines ?? []) row('baseline', b.name, b.map, b.mrr10, 'whole dev set');
  const split =
    periodic && whole
      ? `<p class="note">Periodic evaluations use the ${esc(periodic.name)} (quicker); the final one the ${esc(whole.name)}. Their numbers are not comparable, so the charts draw them as separate series.</p>`
      : '';
  const missing = r.baselines?.length
    ? ''
    : '<p class="note">Baselines not computed for this run (pnpm train computes them after training unless --no-baselines).</p>';
  const facts = [
    s.stopped !== undefined ? `stopped: ${s.stopped}` : null,
    s.steps !== undefined ? `${s.steps} steps` : null,
    typeof s.seconds === 'number' ? `${(s.seconds / 60).toFixed(1)} min` : null,
  ].filter(Boolean);
  return `<h2>Summary</h2>
<table class="summary"><thead><tr><th>AskUbuntu dev reranking</th><th>MAP</th><th>MRR@10</th><th>evaluated on</th></tr></thead>
<tbody>${rows.join('')}</tbody></table>${split}${missing}
${facts.length ? `<p class="facts">${esc(facts.join(' · '))}</p>` : ''}`;
}

function configSection(r: ReportInput): string {
  const d = configDiff(r.config, r.recipe);
  const recipe = `the <code>${d.recipe}</code> recipe${d.inferred ? ' (not recorded with the run: the closest recipe)' : ''}`;
  const table = d.changes.length
    ? `<table class="config"><thead><tr><th>option</th><th>this run</th><th>recipe default</th></tr></thead><tbody>${d.changes
        .map(
          (c) =>
            `<tr><th scope="row"><code>${esc(flag(c.option))}</code></th><td>${esc(show(c.value))}${c.derived ? ' <span class="note">(follows the options above)</span>' : ''}</td><td>${esc(show(c.recipeDefault))}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : `<p>None: the run used the recipe's defaults.</p>`;
  return `<h2>Configuration</h2>
<p>What differs from ${recipe}:</p>
${table}
<details><summary>Full configuration (train-config.json)</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>`;
}

export function renderReport(r: ReportInput): string {
  const train = r.records.filter((x) => x.kind === 'train');
  const termKeys = [...new Set(train.flatMap((x) => Object.keys(x)))].filter(
    (k) =>
      !['kind', 'step', 'lr', 'tokensPerSec', 'time', 'elapsed'].includes(k) &&
      train.some((x) => typeof x[k] === 'number'),
  );
  const sets = evalSets(r.records, r.config);
  const baselines = r.baselines ?? [];
  const charts = [
    lineChart(
      'Training loss and its terms',
      termKeys.map((k) => seriesOf(r.records, 'train', k)),
      { xLabel: 'step', yLabel: 'loss (log scale)', logY: true },
    ),
    metricChart('Dev MAP (AskUbuntu reranking)', 'map', 'MAP', sets, baselines),
    metricChart('Dev MRR@10 (AskUbuntu reranking)', 'mrr10', 'MRR@10', sets, baselines),
  ];
  if (r.embStd?.length) {
    charts.push(
      lineChart(
        'Per-dimension std of embeddings (sorted), last evaluation',
        [{ name: 'std', points: [...r.embStd].sort((a, b) => b - a).map((v, i) => [i, v]) }],
        { xLabel: 'dimension (sorted by std)', yLabel: 'std' },
      ),
    );
  }
  if (r.spectrum?.length) {
    charts.push(
      lineChart(
        'Eigenvalue spectrum of the embedding covariance',
        [{ name: 'eigenvalue', points: r.spectrum.map((v, i) => [i + 1, v]) }],
        { xLabel: 'rank', yLabel: 'eigenvalue (log scale)', logY: true },
      ),
    );
  }
  const data = {
    title: r.title,
    summary: r.summary,
    embStd: r.embStd,
    spectrum: r.spectrum,
    recipe: r.recipe,
    baselines,
  };
  // JSON inside <script>: "<" escaped so no "</script>" can end it early.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<style>
body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
svg{display:inline-block;margin:8px 8px 16px 0;vertical-align:top}
pre{background:#f6f6f6;padding:8px;overflow:auto}
table{border-collapse:collapse;margin:0.5em 0}
th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
td{font-variant-numeric:tabular-nums}
table.summary td:nth-child(2),table.summary td:nth-child(3){text-align:right}
tr.run th,tr.run td{font-weight:bold;background:#eef4fb}
tr.baseline th{font-weight:normal;color:#444}
.note,.facts{color:#666}
details{margin:1em 0}summary{cursor:pointer}
</style>
</head><body><h1>${esc(r.title)}</h1>
${summaryTable(r, sets)}
<h2>Curves</h2>
${charts.join('\n')}
${configSection(r)}
<script type="application/json" id="${REPORT_DATA_ID}">${json}</script>
</body></html>`;
}
