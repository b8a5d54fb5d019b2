// The page: the adapter it runs on; a trained model dir loaded over HTTP (by default the one
// `pnpm browser` serves: runs/default) reranking an AskUbuntu dev query's candidates and embedding
// the sentences typed (cosine-similarity heatmap); and JEPA training steps in a Web Worker with a
// progress bar, an ETA and a live loss plot. `window.jepaPage` exposes the same actions and their
// results to the end-to-end test.
import { init, runtime, type GpuInfo } from '@jepa/kernels';
import { loadEncoder, type SentenceEncoder } from '@jepa/jepa';
import { readText } from '@jepa/nn';
import { cosineMatrix, renderHeatmap } from './heatmap.ts';
import { kernelChoices } from './kernel-choices.ts';
import { renderLoss } from './loss-plot.ts';
import { apOf, candidates, devQueries, rank, renderRanking, type DevQuery, type Ranked } from './rerank.ts';
import { duration, trainInWorker, type Progress } from './train-client.ts';

/** How many dev queries the reranking panel offers. */
const RERANK_QUERIES = 12;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface PageState {
  ready: Promise<void>;
  adapter?: GpuInfo;
  /** What `pnpm browser` serves at model/ (null: the page was served otherwise). */
  served: { model: string | null; present: boolean } | null;
  encoder?: SentenceEncoder;
  sentences: string[];
  embeddings: number[][];
  similarities: number[][];
  queries: DevQuery[];
  /** The last query reranked and its candidates by descending cosine. */
  reranked?: { index: number; query: string; ranked: Ranked[]; ap: number };
  losses: number[];
  progress: Progress[];
  /** Training ran in a dedicated worker (as the worker itself reported). */
  trainedInWorker?: boolean;
  /** The longest the main thread was blocked during the last training. */
  mainThreadMaxGapMs?: number;
  kernels: string[];
  error?: string;
  load(url: string): Promise<void>;
  rerank(index?: number): Promise<Ranked[]>;
  embed(sentences?: string[]): Promise<number[][]>;
  train(steps?: number, batch?: number): Promise<number[]>;
}

function setStatus(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
}

async function guard<T>(statusId: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    state.error = msg;
    setStatus(statusId, msg, true);
    throw e;
  }
}

function showAdapter(): void {
  const rt = runtime();
  const info = rt.gpu.info;
  state.adapter = info;
  const L = info.limits;
  const rows: [string, string][] = [
    ['adapter', info.adapter],
    ['vendor / architecture', `${info.vendor || '?'} / ${info.architecture || '?'}`],
    [
      'features used',
      rt.gpu.info.features.filter((f) => ['shader-f16', 'subgroups', 'timestamp-query'].includes(f)).join(', ') ||
        'none',
    ],
    ['subgroup size', info.subgroupSize ? String(info.subgroupSize) : 'none (or not fixed)'],
    ['kind', info.isCpu ? 'CPU rasterizer (CPU kernel variants)' : 'GPU'],
    ['max storage binding', `${(L.maxStorageBufferBindingSize! / 2 ** 20).toFixed(0)} MiB`],
    [
      'workgroup storage / invocations',
      `${L.maxComputeWorkgroupStorageSize} B / ${L.maxComputeInvocationsPerWorkgroup}`,
    ],
    ['storage buffers per stage', String(L.maxStorageBuffersPerShaderStage)],
    ['browser', navigator.userAgent.match(/(Headless)?Chrom(e|ium)\/[\d.]+/)?.[0] ?? navigator.userAgent],
  ];
  const dl = $('adapter');
  dl.replaceChildren();
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  const dt = document.createElement('dt');
  dt.textContent = 'kernel variants';
  const dd = document.createElement('dd');
  const btn = document.createElement('button');
  btn.textContent = 'list the kernels one training step runs here';
  btn.id = 'kernels';
  btn.onclick = async () => {
    btn.disabled = true;
    const r = await kernelChoices();
    state.kernels = r.kernels;
    dd.textContent = r.kernels.join(' ');
  };
  dd.append(btn);
  dl.append(dt, dd);
}

const state: PageState = {
  ready: Promise.resolve(),
  served: null,
  sentences: [],
  embeddings: [],
  similarities: [],
  queries: [],
  losses: [],
  progress: [],
  kernels: [],
  async load(url) {
    await state.ready;
    await guard('model-status', async () => {
      setStatus('model-status', `loading ${url} …`);
      const t0 = performance.now();
      state.encoder?.bert.dispose();
      state.encoder = undefined;
      for (const id of ['embed', 'rerank']) ($(id) as HTMLButtonElement).disabled = true;
      const enc = await loadEncoder(url);
      state.encoder = enc;
      const c = enc.bert.config;
      // The exported config.json says how the model was trained (objective, steps).
      const meta = await readText(`${url.replace(/\/$/, '')}/config.json`)
        .then((t) => (JSON.parse(t) as { jepa?: { objective?: string; step?: number } }).jepa)
        .catch(() => undefined);
      const trained = meta?.step ? `${meta.objective ?? 'trained'}, ${meta.step} steps` : 'untrained';
      const where = url === 'model' && state.served?.model ? state.served.model : url;
      setStatus(
        'model-status',
        `${where} (${trained}): BERT ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, vocabulary ${enc.tokenizer.vocabSize}, ` +
          `${enc.pooling} pooling, max ${enc.maxTokens} tokens (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      for (const id of ['embed', 'rerank']) ($(id) as HTMLButtonElement).disabled = false;
    });
  },
  async rerank(index) {
    const enc = state.encoder;
    if (!enc) throw new Error('rerank: load a model first');
    return guard('rerank-status', async () => {
      const select = $('query') as HTMLSelectElement;
      const i = index ?? Number(select.value);
      select.value = String(i);
      const q = state.queries[i];
      if (!q) throw new Error(`rerank: no dev query ${i} (the panel offers ${state.queries.length})`);
      setStatus('rerank-status', `embedding the query and its ${q.positive.length + q.negative.length} candidates …`);
      const t0 = performance.now();
      const cands = candidates(q);
      const [qv, ...vecs] = await enc.embed([q.query, ...cands.map((c) => c.text)]);
      const ranked = rank(qv!, cands, vecs);
      const ap = apOf(ranked);
      state.reranked = { index: i, query: q.query, ranked, ap };
      $('query-text').textContent = q.query;
      renderRanking($('ranking') as HTMLTableElement, ranked);
      const at = ranked.flatMap((r, k) => (r.positive ? [k + 1] : []));
      setStatus(
        'rerank-status',
        `${ranked.length} candidates ranked by cosine in ${(performance.now() - t0).toFixed(0)} ms; ` +
          `known duplicates (✓) at ranks ${at.join(', ')}; average precision ${ap.toFixed(1)}`,
      );
      return ranked;
    });
  },
  async embed(sentences) {
    const enc = state.encoder;
    if (!enc) throw new Error('embed: load a model first');
    return guard('embed-status', async () => {
      const texts =
        sentences ??
        ($('sentences') as HTMLTextAreaElement).value
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean);
      if (sentences) ($('sentences') as HTMLTextAreaElement).value = texts.join('\n');
      const t0 = performance.now();
      const vecs = await enc.embed(texts);
      state.sentences = texts;
      state.embeddings = vecs.map((v) => Array.from(v));
      state.similarities = cosineMatrix(vecs);
      renderHeatmap($('heatmap'), texts, state.similarities);
      setStatus(
        'embed-status',
        `${texts.length} embeddings of size ${vecs[0]?.length ?? 0} in ${(performance.now() - t0).toFixed(0)} ms; cosine similarities:`,
      );
      return state.embeddings;
    });
  },
  async train(steps, batch) {
    await state.ready;
    return guard('train-status', async () => {
      const n = steps ?? Number(($('steps') as HTMLInputElement).value);
      const b = batch ?? Number(($('batch') as HTMLInputElement).value);
      ($('steps') as HTMLInputElement).value = String(n);
      ($('batch') as HTMLInputElement).value = String(b);
      const [trainBtn, stopBtn] = [$('train') as HTMLButtonElement, $('stop') as HTMLButtonElement];
      const bar = $('train-progress') as HTMLProgressElement;
      trainBtn.disabled = true;
      stopBtn.disabled = false;
      bar.max = n;
      bar.value = 0;
      state.losses = [];
      state.progress = [];
      state.trainedInWorker = undefined;
      renderLoss($('loss') as unknown as SVGSVGElement, [], n);
      setStatus('train-status', 'starting the training worker …');
      setStatus('train-eta', '');
      const run = trainInWorker(
        { steps: n, batch: b },
        {
          status: (t) => setStatus('train-status', t),
          step: (p) => {
            state.progress.push(p);
            state.losses.push(p.loss);
            bar.value = p.step;
            renderLoss($('loss') as unknown as SVGSVGElement, state.losses, n);
            const terms = Object.entries(p.terms)
              .map(([k, v]) => `${k} ${v.toFixed(3)}`)
              .join(', ');
            setStatus('train-status', `step ${p.step}/${n}: loss ${p.loss.toFixed(3)} (${terms}), batch ${b}`);
            setStatus(
              'train-eta',
              `${(p.msPerStep / 1000).toFixed(1)} s/step · ` +
                (p.step < n ? `about ${duration(p.etaMs)} left` : 'done') +
                ` · main thread's longest pause ${run.maxMainThreadGapMs().toFixed(0)} ms`,
            );
          },
        },
      );
      stopBtn.onclick = () => run.stop();
      void run.inWorker.then((w) => (state.trainedInWorker = w));
      try {
        return await run.done;
      } finally {
        state.mainThreadMaxGapMs = run.maxMainThreadGapMs();
        trainBtn.disabled = false;
        stopBtn.disabled = true;
      }
    });
  },
};
(window as unknown as { jepaPage: PageState }).jepaPage = state;

state.ready = guard('adapter', async () => {
  await init();
  showAdapter();
});
// The dev queries for the reranking panel, and which model dir the server holds.
const dataReady = (async () => {
  state.served = await fetch('served.json')
    .then((r) => (r.ok ? (r.json() as Promise<PageState['served']>) : null))
    .catch(() => null);
  state.queries = devQueries(await readText('data/dev.jsonl'), RERANK_QUERIES);
  const select = $('query') as HTMLSelectElement;
  select.replaceChildren(
    ...state.queries.map((q, i) => {
      const o = document.createElement('option');
      o.value = String(i);
      o.textContent = `${i + 1}. ${q.query}`;
      return o;
    }),
  );
})();
$('load').onclick = () => void state.load(($('model-url') as HTMLInputElement).value).catch(() => undefined);
$('embed').onclick = () => void state.embed().catch(() => undefined);
$('rerank').onclick = () => void state.rerank().catch(() => undefined);
$('query').onchange = () => void (state.encoder ? state.rerank().catch(() => undefined) : undefined);
$('train').onclick = () => void state.train().catch(() => undefined);
const fromQuery = new URLSearchParams(location.search).get('model');
if (fromQuery !== null) ($('model-url') as HTMLInputElement).value = fromQuery;
// Load the served model (or ?model=URL), then rerank the first query with it.
void Promise.all([state.ready, dataReady])
  .then(async () => {
    if (fromQuery === null && state.served && !state.served.present) {
      const dir = state.served.model ?? 'runs/default';
      setStatus(
        'model-status',
        `no model at ${dir}: train one (pnpm train --out ${dir}) or serve another (pnpm browser --model DIR)`,
        true,
      );
      return;
    }
    await state.load(($('model-url') as HTMLInputElement).value);
    await state.rerank(0);
  })
  .catch(() => undefined);
