// report.html as a person reads it: the summary numbers beside the baselines, titled axes, decade
// ticks on log axes, the change of evaluation set marked, and the options the run changed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configDiff } from '../src/report/config-diff.ts';
import { renderReport, type MetricRecord, type ReportBaseline } from '../src/report/html.ts';
import { lineChart } from '../src/report/svg.ts';
import { linearTicks, logTicks, tickLabel } from '../src/report/ticks.ts';
import { updateReport, writeReport } from '../src/report/write.ts';
import { RECIPES } from '../src/train/recipes.ts';
import { resolveConfig } from '../src/train/resolve.ts';

/** The texts of the elements of `cls` in `svg` (tick labels, axis titles). */
const texts = (svg: string, cls: string) =>
  [...svg.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]);
/** Each <svg> of a page, keyed by its aria-label (the chart's title). */
const charts = (html: string) =>
  Object.fromEntries([...html.matchAll(/<svg[^>]*aria-label="([^"]*)"[\s\S]*?<\/svg>/g)].map((m) => [m[1], m[0]]));

// A run as the default recipe writes it: periodic evaluations on 200 queries, the final one on 710.
const config = resolveConfig(RECIPES.default, { steps: 300, lr: 0.001 }) as unknown as Record<string, unknown>;
const records: MetricRecord[] = [
  { kind: 'train', step: 100, loss: 19.8, inv: 0.12, var: 0.73, cov: 0.24 },
  { kind: 'train', step: 200, loss: 12.5, inv: 0.2, var: 0.5, cov: 0.3 },
  { kind: 'train', step: 300, loss: 9.1, inv: 0.25, var: 0.31, cov: 0.35 },
  { kind: 'eval', step: 100, queries: 200, map: 33.1, mrr10: 35.2 },
  { kind: 'eval', step: 200, queries: 200, map: 36.4, mrr10: 38.9 },
  { kind: 'eval', step: 300, queries: 710, map: 38.91, mrr10: 40.38 },
];
const baselines: ReportBaseline[] = [
  { name: 'untrained start (tiny, ppmi embeddings)', short: 'untrained', map: 29.87, mrr10: 31.5 },
  { name: 'TF-IDF cosine', short: 'TF-IDF', map: 30.67, mrr10: 31.03 },
  { name: 'random order', short: 'random', map: 20.6, mrr10: 20.3 },
];
const input = {
  title: 'jepa (tiny, official loss) — 300 steps',
  config,
  records,
  embStd: [0.5, 0.4, 0.3],
  spectrum: [2.5, 0.3, 0.004, 0.0002],
  summary: { stopped: 'done', steps: 300, bestMap: 36.4, bestStep: 200, seconds: 600 },
  recipe: 'default',
  baselines,
};

describe('log axis ticks', () => {
  it('are whole decades, labelled plainly', () => {
    expect(logTicks(0.0012, 19.8).ticks).toEqual([0.01, 0.1, 1, 10]);
    expect(logTicks(0.12, 19.8).ticks).toEqual([1, 10]);
    expect(logTicks(0.0012, 19.8).ticks.map(tickLabel)).toEqual(['0.01', '0.1', '1', '10']);
    expect(logTicks(3, 5000).ticks.map(tickLabel)).toEqual(['10', '100', '1000']);
    // Many decades: every other one, still decades.
    const wide = logTicks(1e-12, 10).ticks;
    expect(wide.length).toBeLessThanOrEqual(8);
    for (const t of wide) expect(Math.log10(t)).toBeCloseTo(Math.round(Math.log10(t)), 9);
    expect(tickLabel(1e-10)).toBe('1e-10');
  });

  it('fall back to 1-2-5, then 1..9, then widen, only on a narrow range', () => {
    expect(logTicks(1.5, 9).ticks).toEqual([2, 5]);
    expect(logTicks(3.1, 4.5)).toEqual({ ticks: [3, 5], lo: 3, hi: 5 });
    expect(logTicks(15, 19.8)).toEqual({ ticks: [10, 20], lo: 10, hi: 20 });
    expect(() => logTicks(0, 1)).toThrow(/positive/);
  });

  it('a log chart labels its y ticks as decades', () => {
    const svg = lineChart(
      'loss',
      [{ name: 'loss', points: records.slice(0, 3).map((r) => [r.step, r.cov as number]) }],
      {
        logY: true,
        xLabel: 'step',
        yLabel: 'loss',
      },
    );
    // cov spans 0.24 .. 0.35, inside one 1..9 step: the axis widens to 0.2 .. 0.4. Then a wide one.
    expect(texts(svg, 'ytick')).toEqual(['0.2', '0.4']);
    const wide = lineChart(
      'w',
      [
        {
          name: 'e',
          points: [
            [1, 2.5],
            [2, 0.3],
            [3, 0.0002],
          ],
        },
      ],
      { logY: true },
    );
    expect(texts(wide, 'ytick')).toEqual(['0.001', '0.01', '0.1', '1']);
    expect(linearTicks(0, 300)).toEqual([0, 100, 200, 300]);
  });
});

describe('renderReport', () => {
  const html = renderReport(input);
  const byTitle = charts(html);

  it('opens with the final numbers beside the baselines', () => {
    const summary = html.slice(html.indexOf('<table class="summary"'), html.indexOf('</table>'));
    const rows = [
      ...summary.matchAll(/<tr class="(\w+)"><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><td>([^<]*)<\/td>/g),
    ].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(rows).toEqual([
      ['run', 'this run, final (step 300)', '38.91', '40.38'],
      ['best', 'best periodic evaluation (step 200)', '36.40', '38.90'],
      ['baseline', 'untrained start (tiny, ppmi embeddings)', '29.87', '31.50'],
      ['baseline', 'TF-IDF cosine', '30.67', '31.03'],
      ['baseline', 'random order', '20.60', '20.30'],
    ]);
    expect(summary).toContain('whole dev set (710 queries)');
    expect(summary).toContain('first 200 dev queries');
  });

  it('titles both axes of every chart', () => {
    expect(Object.keys(byTitle)).toHaveLength(5);
    for (const [title, svg] of Object.entries(byTitle)) {
      const axes = texts(svg, 'axis-title');
      expect(axes, title).toHaveLength(2);
      expect(
        axes.every((a) => a!.length > 0),
        title,
      ).toBe(true);
    }
    expect(texts(byTitle['Dev MAP (AskUbuntu reranking)']!, 'axis-title')).toEqual(['step', 'MAP']);
    expect(texts(byTitle['Training loss and its terms']!, 'axis-title')).toEqual(['step', 'loss (log scale)']);
  });

  it('log axes tick at decades', () => {
    expect(texts(byTitle['Training loss and its terms']!, 'ytick')).toEqual(['1', '10']);
    expect(texts(byTitle['Eigenvalue spectrum of the embedding covariance']!, 'ytick')).toEqual([
      '0.001',
      '0.01',
      '0.1',
      '1',
    ]);
  });

  it('draws the baselines on the MAP chart as labelled lines', () => {
    const map = byTitle['Dev MAP (AskUbuntu reranking)']!;
    expect(map.match(/class="refline"/g)).toHaveLength(3);
    expect(texts(map, 'reflabel')).toEqual(['untrained 29.9', 'TF-IDF 30.7', 'random 20.6']);
    expect(map).toContain('TF-IDF cosine, whole dev set');
  });

  it('keeps the periodic subset and the whole-dev evaluation apart, each in the legend', () => {
    const map = byTitle['Dev MAP (AskUbuntu reranking)']!;
    expect(map).toContain('>MAP, first 200 dev queries<');
    expect(map).toContain('>MAP, final, whole dev set (710 queries)<');
    // One line, through the two periodic points only; the final one is a square marker.
    const paths = [...map.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(1);
    expect(paths[0]!.match(/[ML]/g)).toHaveLength(2);
    expect(map).toMatch(/<rect x="[\d.]+" y="[\d.]+" width="10" height="10" fill="#d62728"/);
  });

  it('lists exactly the options changed from the recipe, the full config collapsed', () => {
    const section = html.slice(html.indexOf('<h2>Configuration</h2>'));
    const options = [...section.matchAll(/<tr><th scope="row"><code>([^<]*)<\/code>/g)].map((m) => m[1]);
    expect(options).toEqual(['--steps', '--lr', '--warmup']);
    expect(section).toContain('the <code>default</code> recipe:');
    expect(section).toMatch(/--warmup<\/code><\/th><td>30 <span class="note">\(follows the options above\)/);
    expect(section).toMatch(/<details><summary>Full configuration[^<]*<\/summary><pre>\{\n {2}&quot;preset&quot;/);
  });

  it('is one offline file: no URL but the SVG namespace, no executable script', () => {
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="application/json" id="report-data">']);
  });

  it('says when the baselines were not computed', () => {
    const bare = renderReport({ ...input, baselines: undefined });
    expect(bare).toContain('Baselines not computed');
    expect(bare).not.toContain('class="refline"');
  });
});

describe('configDiff', () => {
  it('compares with the recipe the run used', () => {
    const bert = resolveConfig(RECIPES.bert, { batchSize: 8 }) as unknown as Record<string, unknown>;
    expect(configDiff(bert, 'bert')).toEqual({
      recipe: 'bert',
      inferred: false,
      changes: [{ option: 'batchSize', value: 8, recipeDefault: 32 }],
    });
    // Not recorded: the closest recipe, said to be inferred.
    const d = configDiff(bert);
    expect([d.recipe, d.inferred, d.changes.map((c) => c.option)]).toEqual(['bert', true, ['batchSize']]);
    expect(configDiff(resolveConfig({}) as unknown as Record<string, unknown>, 'default').changes).toEqual([]);
  });
});

describe('report.html in a run dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jepa-report-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is drawn again with the baselines, keeping what only the page held', async () => {
    writeFileSync(join(dir, 'train-config.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'metrics.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    await writeReport(dir, { ...input, baselines: undefined, recipe: undefined });
    const before = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(before).toContain('Baselines not computed');
    expect(before).toContain('(not recorded with the run: the closest recipe)');
    await updateReport(dir, { baselines, recipe: 'default' });
    const after = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(after).toContain('<td>30.67</td>');
    expect(after).not.toContain('not recorded with the run');
    // The std and spectrum charts came from the page's own data block.
    expect(Object.keys(charts(after))).toHaveLength(5);
    expect(after).toContain(input.title);
  });
});
