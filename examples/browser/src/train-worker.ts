// The training demo's worker: the JEPA steps (train.ts) on this worker's own WebGPU device, so the
// page's main thread stays free while a step runs (seconds each on a CPU adapter). Messages out:
// started, status, step, done, error.
import { init } from '@jepa/kernels';
import { BertTokenizer, readText } from '@jepa/nn';
import { trainJepa } from './train.ts';

export interface TrainRequest {
  steps: number;
  batch: number;
  /** Absolute URLs: a worker resolves relative ones against its script, not the page. */
  vocabUrl: string;
  titlesUrl: string;
}

export type TrainMessage =
  | { type: 'started'; inWorker: boolean }
  | { type: 'status'; text: string }
  | { type: 'step'; step: number; loss: number; terms: Record<string, number>; msPerStep: number }
  | { type: 'done' }
  | { type: 'error'; message: string };

// The DOM lib types `self` as a Window; this file runs as a dedicated worker.
const scope = self as unknown as {
  postMessage(m: TrainMessage): void;
  onmessage: ((e: MessageEvent<TrainRequest>) => void) | null;
};
const post = (m: TrainMessage) => scope.postMessage(m);

scope.onmessage = async (e) => {
  const { steps, batch, vocabUrl, titlesUrl } = e.data;
  const WGS = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
  post({ type: 'started', inWorker: WGS !== undefined && self instanceof WGS });
  try {
    post({ type: 'status', text: 'worker: requesting a WebGPU device, fetching the vocabulary and the titles …' });
    const [, vocab, titles] = await Promise.all([init(), readText(vocabUrl), readText(titlesUrl)]);
    const pool = titles
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    post({ type: 'status', text: `worker: building a tiny BERT; step 1 compiles the kernels …` });
    await trainJepa(BertTokenizer.fromVocabText(vocab), pool, steps, batch, (r) => post({ type: 'step', ...r }));
    post({ type: 'done' });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
