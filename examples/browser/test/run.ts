// pnpm test:browser — in headless Chromium on its own WebGPU adapter:
//  1. the kernel and op suites (build.ts BROWSER_SUITES: every kernel, forward and gradient, each
//     variant), each suite in a fresh page as each runs in its own process under vitest;
//  2. the page end to end: it loads a model dir over HTTP and reranks a dev query's candidates in
//     Node's order for the same model; embeds sentences typed into it, the vectors matching Node's
//     (Dawn) to 1e-4; a few training steps run in a Web Worker, their progress arriving while the
//     main thread answers, and plot a loss; a screenshot goes to examples/browser/out/page.png;
//  3. the kernel variants one training step runs, in Node and in Chromium side by side.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { exportModel, loadEncoder, randomEncoder } from '@jepa/jepa';
import { shutdown } from '@jepa/tensor';
import { BROWSER_SUITES, HERE, NODE_ONLY_SUITES, ROOT, buildPage, buildTests, testBundle } from '../build.ts';
import { serve } from '../serve.ts';
import { kernelChoices } from '../src/kernel-choices.ts';
import { candidates, devQueries, rank } from '../src/rerank.ts';
import type { TestResult } from './vitest-shim.ts';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const OUT = join(HERE, 'out');
const SUITE_TIMEOUT_MS = 600_000;
const SENTENCES = [
  'how do i mount a usb drive',
  'usb stick not mounting',
  'change the default shell',
  'how to set zsh as default shell',
  'wifi drops after suspend on ubuntu 22.04',
];
const TOLERANCE = 1e-4;
/** The dev query the reranking check reads (the panel's first, shown when the page opens). */
const RERANK_QUERY = 0;
const TRAIN_STEPS = 4;

interface Outcome {
  name: string;
  ok: boolean;
  detail?: string;
}
const outcomes: Outcome[] = [];

function record(name: string, ok: boolean, detail?: string): void {
  outcomes.push({ name, ok, detail });
  console.log(`${ok ? '  ✓' : '  ✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}

async function launch(): Promise<Browser> {
  const args = ['--enable-unsafe-webgpu', '--headless=new', '--no-first-run', '--disable-gpu-sandbox'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args,
    protocolTimeout: SUITE_TIMEOUT_MS + 60_000,
  });
}

async function runSuite(browser: Browser, url: string, suite: string): Promise<TestResult[]> {
  const page = await browser.newPage();
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${(e as Error).message}`));
  try {
    await page.goto(`${url}tests.html?suite=${encodeURIComponent(testBundle(suite).slice('tests/'.length))}`);
    await page.waitForFunction(() => (window as unknown as { __results?: unknown }).__results !== undefined, {
      timeout: SUITE_TIMEOUT_MS,
      polling: 250,
    });
    const results = await page.evaluate(() => (window as unknown as { __results: TestResult[] }).__results);
    if (results.some((r) => r.status === 'fail') && logs.length)
      console.log(
        logs
          .slice(-20)
          .map((l) => `      ${l}`)
          .join('\n'),
      );
    return results;
  } finally {
    await page.close();
  }
}

interface PageApi {
  ready: Promise<void>;
  encoder?: unknown;
  reranked?: { index: number; query: string; ranked: { text: string; positive: boolean; score: number }[] };
  progress: { step: number; etaMs: number; msPerStep: number }[];
  trainedInWorker?: boolean;
  mainThreadMaxGapMs?: number;
  embeddings: number[][];
  similarities: number[][];
  losses: number[];
  kernels: string[];
  adapter?: { adapter: string };
  error?: string;
  train(steps?: number, batch?: number): Promise<number[]>;
}
type Win = { jepaPage: PageApi };

/** Node's ranking of a dev query's candidates for the same model. */
interface NodeRanking {
  query: string;
  texts: string[];
  scores: number[];
}

async function endToEnd(
  browser: Browser,
  url: string,
  node: number[][],
  nodeRanking: NodeRanking,
): Promise<{ maxDiff: number; kernels: string[]; adapter: string }> {
  const page: Page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 1200 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push((e as Error).message));
  await page.goto(`${url}?model=model`);
  await page.waitForFunction(
    () => {
      const p = (window as unknown as Win).jepaPage;
      // The page loads the model, then reranks the first dev query with it.
      return !!p && ((!!p.encoder && !!p.reranked) || !!p.error);
    },
    { timeout: 300_000, polling: 250 },
  );
  const loadError = await page.evaluate(() => (window as unknown as Win).jepaPage.error);
  if (loadError) throw new Error(`the page could not load the model: ${loadError}`);
  record('page loads the model dir over HTTP', true, await page.$eval('#model-status', (e) => e.textContent ?? ''));

  // The reranking panel: the query Node ranked, its candidates in Node's order (ties within the
  // embedding tolerance may swap), the top one first on the page too.
  const rr = await page.evaluate(() => (window as unknown as Win).jepaPage.reranked!);
  const rows = await page.$$eval('#ranking tbody tr', (trs) =>
    trs.map((tr) => ({ positive: tr.className === 'positive', text: tr.lastElementChild?.textContent ?? '' })),
  );
  const got = rr.ranked.map((r) => r.text);
  const swapped = got.filter(
    (t, i) => t !== nodeRanking.texts[i] && Math.abs(nodeRanking.scores[i]! - rr.ranked[i]!.score) > 1e-4,
  );
  record(
    `the reranking panel orders the candidates of "${nodeRanking.query}" as Node does`,
    rr.query === nodeRanking.query &&
      got[0] === nodeRanking.texts[0] &&
      got.length === nodeRanking.texts.length &&
      swapped.length === 0,
    `top: "${got[0]}" (cosine ${rr.ranked[0]?.score.toFixed(4)}; Node: "${nodeRanking.texts[0]}" ${nodeRanking.scores[0]?.toFixed(4)})`,
  );
  const marked = rows.filter((r) => r.positive).length;
  record(
    'the panel shows every candidate, the known duplicates marked',
    rows.length === got.length &&
      marked === rr.ranked.filter((r) => r.positive).length &&
      marked > 0 &&
      rows.every((r) => r.text.startsWith('✓') === r.positive),
    `${rows.length} rows, ${marked} marked ✓`,
  );

  // Type the sentences as a user would, then press Embed.
  await page.$eval('#sentences', (e) => ((e as HTMLTextAreaElement).value = ''));
  await page.type('#sentences', SENTENCES.join('\n'));
  await page.click('#embed');
  await page.waitForFunction(
    (n: number) =>
      (window as unknown as Win).jepaPage.embeddings.length === n || !!(window as unknown as Win).jepaPage.error,
    { timeout: 300_000, polling: 250 },
    SENTENCES.length,
  );
  const vecs = await page.evaluate(() => (window as unknown as Win).jepaPage.embeddings);
  let maxDiff = 0;
  for (let i = 0; i < node.length; i++) {
    for (let j = 0; j < node[i]!.length; j++)
      maxDiff = Math.max(maxDiff, Math.abs(node[i]![j]! - (vecs[i]?.[j] ?? NaN)));
  }
  if (vecs.length !== node.length || vecs[0]?.length !== node[0]?.length) maxDiff = NaN;
  record(
    `embeddings typed on the page match Node's (${node.length}×${node[0]?.length})`,
    maxDiff <= TOLERANCE,
    `max |browser − node| = ${maxDiff.toExponential(2)} (tolerance ${TOLERANCE})`,
  );
  const cells = await page.$$eval('#heatmap td', (tds) => tds.length);
  record('the heatmap shows the cosine-similarity matrix', cells === SENTENCES.length ** 2, `${cells} cells`);

  await page.click('#kernels');
  await page.waitForFunction(
    () => (window as unknown as Win).jepaPage.kernels.length > 0 || !!(window as unknown as Win).jepaPage.error,
    { timeout: 300_000, polling: 250 },
  );
  const kernels = await page.evaluate(() => (window as unknown as Win).jepaPage.kernels);

  // Training in the worker: started, not awaited; the main thread must answer while steps run.
  await page.evaluate((n: number) => {
    void (window as unknown as Win).jepaPage.train(n, 8).catch(() => undefined);
  }, TRAIN_STEPS);
  const seen = new Set<number>();
  let slowest = 0;
  for (const t0 = Date.now(); Date.now() - t0 < 600_000; ) {
    const a = Date.now();
    const p = await page.evaluate(() => {
      const s = (window as unknown as Win).jepaPage;
      return { n: s.progress.length, error: s.error, done: s.mainThreadMaxGapMs !== undefined };
    });
    slowest = Math.max(slowest, Date.now() - a);
    if (p.error) throw new Error(`training on the page failed: ${p.error}`);
    seen.add(p.n);
    if (p.done) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const t = await page.evaluate(() => {
    const s = (window as unknown as Win).jepaPage;
    return {
      losses: s.losses,
      inWorker: s.trainedInWorker,
      gap: s.mainThreadMaxGapMs ?? NaN,
      msPerStep: s.progress.map((p) => p.msPerStep),
      eta: document.getElementById('train-eta')?.textContent ?? '',
      bar: (document.getElementById('train-progress') as HTMLProgressElement).value,
    };
  });
  const meanStep = t.msPerStep.reduce((a, b) => a + b, 0) / Math.max(t.msPerStep.length, 1);
  const between = [...seen].filter((n) => n > 0 && n < TRAIN_STEPS).length;
  record(
    'training runs in a Web Worker; its progress arrives while the main thread answers',
    t.inWorker === true && between >= 1 && t.gap < Math.min(1500, meanStep) && t.bar === TRAIN_STEPS,
    `in a worker: ${t.inWorker}; progress seen at ${[...seen].sort((a, b) => a - b).join(', ')} of ${TRAIN_STEPS} steps; ` +
      `main thread's longest pause ${t.gap.toFixed(0)} ms (a step takes ${meanStep.toFixed(0)} ms); slowest answer ${slowest} ms`,
  );
  record('the page shows the pace and an ETA', /s\/step · (about .* left|done)/.test(t.eta), t.eta);
  const losses = t.losses;
  const points = await page
    .$eval('#loss polyline', (e) => (e.getAttribute('points') ?? '').trim().split(/\s+/).length)
    .catch(() => 0);
  record(
    'training steps on the page plot a finite loss',
    losses.length === TRAIN_STEPS && losses.every(Number.isFinite) && points === TRAIN_STEPS,
    `losses ${losses.map((l) => l.toFixed(2)).join(', ')}`,
  );

  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, 'page.png'), fullPage: true });
  record('no uncaught errors on the page', errors.length === 0, errors.join('; ') || undefined);
  const adapter = await page.evaluate(() => (window as unknown as Win).jepaPage.adapter?.adapter ?? '?');
  await page.close();
  return { maxDiff, kernels, adapter };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await Promise.all([buildPage(), buildTests()]);

  // The model and Node's vectors for it (Dawn), through the same loader the page uses.
  const modelDir = join(ROOT, '.tmp', 'browser-test-model');
  rmSync(modelDir, { recursive: true, force: true });
  const made = await randomEncoder('tiny', { pooling: 'sif', maxTokens: 32, seed: 7 });
  await exportModel(
    modelDir,
    made.bert,
    made.tokenizer,
    { pooling: 'sif', maxTokens: 32, objective: 'random-init', step: 0 },
    made.tokenWeights,
  );
  made.bert.dispose();
  const enc = await loadEncoder(modelDir);
  const node = (await enc.embed(SENTENCES)).map((v) => Array.from(v));
  const q = devQueries(
    readFileSync(join(ROOT, 'packages/jepa/data/askubuntu-rerank/dev.jsonl'), 'utf8'),
    RERANK_QUERY + 1,
  )[RERANK_QUERY]!;
  const cands = candidates(q);
  const [qv, ...cv] = await enc.embed([q.query, ...cands.map((c) => c.text)]);
  const ranked = rank(qv!, cands, cv);
  const nodeRanking = { query: q.query, texts: ranked.map((r) => r.text), scores: ranked.map((r) => r.score) };
  enc.bert.dispose();
  const nodeKernels = await kernelChoices();
  await shutdown();

  const { server, url } = await serve({ model: modelDir, port: 0 });
  const browser = await launch();
  const version = await browser.version();
  let passed = 0,
    failed = 0,
    skipped = 0;
  try {
    console.log(`browser suites in Chromium (${CHROMIUM}, ${version}) at ${url}`);
    for (const [suite, why] of Object.entries(NODE_ONLY_SUITES)) console.log(`  - ${suite}: Node only (${why})`);
    // `pnpm test:browser matmul attention`: only the suites whose path contains one of the words.
    const picked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
    for (const suite of BROWSER_SUITES.filter((p) => picked.length === 0 || picked.some((w) => p.includes(w)))) {
      const s0 = Date.now();
      const results = await runSuite(browser, url, suite);
      const p = results.filter((r) => r.status === 'pass').length,
        f = results.filter((r) => r.status === 'fail').length;
      passed += p;
      failed += f;
      skipped += results.filter((r) => r.status === 'skip').length;
      console.log(
        `  ${f ? '✗' : '✓'} ${suite} (${p} passed${f ? `, ${f} failed` : ''}) ${((Date.now() - s0) / 1000).toFixed(1)} s`,
      );
      for (const r of results.filter((x) => x.status === 'fail'))
        console.log(`      ✗ ${r.name}\n        ${(r.error ?? '').split('\n').slice(0, 6).join('\n        ')}`);
    }
    console.log('end to end (the page):');
    const e2e = await endToEnd(browser, url, node, nodeRanking);
    const only = (a: string[], b: string[]) => a.filter((k) => !b.includes(k));
    const browserOnly = only(e2e.kernels, nodeKernels.kernels),
      nodeOnly = only(nodeKernels.kernels, e2e.kernels);
    console.log(
      `kernel variants of one training step: ${e2e.kernels.length} kernels in Chromium (${e2e.adapter}), ${nodeKernels.kernels.length} in Node (${nodeKernels.adapter})`,
    );
    console.log(`  only in Chromium: ${browserOnly.join(' ') || 'none'}`);
    console.log(`  only in Node:     ${nodeOnly.join(' ') || 'none'}`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(
      join(OUT, 'results.json'),
      `${JSON.stringify(
        {
          chromium: version,
          adapter: e2e.adapter,
          nodeAdapter: nodeKernels.adapter,
          maxEmbeddingDiff: e2e.maxDiff,
          kernels: { chromium: e2e.kernels, node: nodeKernels.kernels, browserOnly, nodeOnly },
          outcomes,
        },
        null,
        2,
      )}\n`,
    );
    passed += outcomes.filter((o) => o.ok).length;
    failed += outcomes.filter((o) => !o.ok).length;
    console.log(`screenshot: ${join(OUT, 'page.png')}`);
    console.log(
      `ran in Chromium (${CHROMIUM}, ${version}) on its WebGPU adapter "${e2e.adapter}" in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`browser: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  if (failed > 0) process.exitCode = 1;
}

await main();
