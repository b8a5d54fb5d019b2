// The page: the adapter it runs on, a model directory loaded over HTTP embedding the sentences typed
// (cosine-similarity heatmap), and a few JEPA training steps with a live loss plot. `window.jepaPage`
// exposes the same actions and their results to the end-to-end test.
import { init, runtime, type GpuInfo } from '@jepa/kernels';
import { loadEncoder, type SentenceEncoder } from '@jepa/jepa';
import { BertTokenizer, readText } from '@jepa/nn';
import { cosineMatrix, renderHeatmap } from './heatmap.ts';
import { kernelChoices } from './kernel-choices.ts';
import { renderLoss } from './loss-plot.ts';
import { trainJepa } from './train.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface PageState {
  ready: Promise<void>;
  adapter?: GpuInfo;
  encoder?: SentenceEncoder;
  sentences: string[];
  embeddings: number[][];
  similarities: number[][];
  losses: number[];
  kernels: string[];
  error?: string;
  load(url: string): Promise<void>;
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
  sentences: [],
  embeddings: [],
  similarities: [],
  losses: [],
  kernels: [],
  async load(url) {
    await state.ready;
    await guard('model-status', async () => {
      setStatus('model-status', `loading ${url} …`);
      const t0 = performance.now();
      state.encoder?.bert.dispose();
      state.encoder = undefined;
      ($('embed') as HTMLButtonElement).disabled = true;
      const enc = await loadEncoder(url);
      state.encoder = enc;
      const c = enc.bert.config;
      setStatus(
        'model-status',
        `${url}: BERT ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, vocabulary ${enc.tokenizer.vocabSize}, ` +
          `${enc.pooling} pooling, max ${enc.maxTokens} tokens (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
      ($('embed') as HTMLButtonElement).disabled = false;
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
      ($('train') as HTMLButtonElement).disabled = true;
      try {
        setStatus('train-status', 'fetching the vocabulary and the AskUbuntu titles …');
        const [vocab, titles] = await Promise.all([readText('vocab.txt'), readText('data/train_titles.txt')]);
        const pool = titles
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        state.losses = [];
        renderLoss($('loss') as unknown as SVGSVGElement, [], n);
        await trainJepa(BertTokenizer.fromVocabText(vocab), pool, n, b, (r) => {
          state.losses.push(r.loss);
          renderLoss($('loss') as unknown as SVGSVGElement, state.losses, n);
          const terms = Object.entries(r.terms)
            .map(([k, v]) => `${k} ${v.toFixed(3)}`)
            .join(', ');
          setStatus(
            'train-status',
            `step ${r.step}/${n}: loss ${r.loss.toFixed(3)} (${terms}); ${r.msPerStep.toFixed(0)} ms/step, batch ${b}`,
          );
        });
        return state.losses;
      } finally {
        ($('train') as HTMLButtonElement).disabled = false;
      }
    });
  },
};
(window as unknown as { jepaPage: PageState }).jepaPage = state;

state.ready = guard('adapter', async () => {
  await init();
  showAdapter();
});
$('load').onclick = () => void state.load(($('model-url') as HTMLInputElement).value).catch(() => undefined);
$('embed').onclick = () => void state.embed().catch(() => undefined);
$('train').onclick = () => void state.train().catch(() => undefined);
const fromQuery = new URLSearchParams(location.search).get('model');
if (fromQuery !== null) ($('model-url') as HTMLInputElement).value = fromQuery;
void state.ready.then(() => state.load(($('model-url') as HTMLInputElement).value)).catch(() => undefined);
