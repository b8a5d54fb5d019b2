// The page's side of training: starts the worker, turns its step messages into a progress bar, an
// ETA and the loss plot, and measures how long the main thread was ever blocked meanwhile.
import type { TrainMessage, TrainRequest } from './train-worker.ts';

export interface Progress {
  step: number;
  steps: number;
  loss: number;
  terms: Record<string, number>;
  msPerStep: number;
  /** Milliseconds left at the mean pace of the steps after the first (which compiles the kernels). */
  etaMs: number;
}

export interface TrainRun {
  /** The losses, once every step is done (or the steps done when stopped). */
  done: Promise<number[]>;
  /** Set by the worker's first message: it runs in a dedicated worker. */
  inWorker: Promise<boolean>;
  /** The longest the main thread went without a 50 ms timer firing, while training. */
  maxMainThreadGapMs(): number;
  stop(): void;
}

/** "3 min 12 s", "45 s". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

export function trainInWorker(
  req: Omit<TrainRequest, 'vocabUrl' | 'titlesUrl'>,
  on: { step(p: Progress): void; status(text: string): void },
): TrainRun {
  const worker = new Worker(new URL('train-worker.js', import.meta.url), { type: 'module' });
  const losses: number[] = [];
  const times: number[] = [];
  let maxGap = 0;
  let last = performance.now();
  const beat = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 50);
  let resolveWhere!: (w: boolean) => void;
  const inWorker = new Promise<boolean>((r) => (resolveWhere = r));
  let settle!: { ok: (l: number[]) => void; fail: (e: Error) => void };
  const done = new Promise<number[]>((ok, fail) => (settle = { ok, fail }));
  const end = () => {
    clearInterval(beat);
    worker.terminate();
  };
  worker.onmessage = (e: MessageEvent<TrainMessage>) => {
    const m = e.data;
    if (m.type === 'started') resolveWhere(m.inWorker);
    else if (m.type === 'status') on.status(m.text);
    else if (m.type === 'step') {
      losses.push(m.loss);
      times.push(m.msPerStep);
      const paced = times.length > 1 ? times.slice(1) : times;
      const mean = paced.reduce((a, b) => a + b, 0) / paced.length;
      on.step({ ...m, steps: req.steps, etaMs: mean * (req.steps - m.step) });
    } else if (m.type === 'done') {
      end();
      settle.ok(losses);
    } else {
      end();
      settle.fail(new Error(m.message));
    }
  };
  worker.onerror = (e) => {
    end();
    settle.fail(new Error(`the training worker failed: ${e.message || 'could not start it'}`));
  };
  worker.postMessage({
    ...req,
    vocabUrl: new URL('vocab.txt', location.href).href,
    titlesUrl: new URL('data/train_titles.txt', location.href).href,
  } satisfies TrainRequest);
  return {
    done,
    inWorker,
    maxMainThreadGapMs: () => maxGap,
    stop() {
      end();
      on.status(`stopped after ${losses.length} of ${req.steps} steps`);
      settle.ok(losses); // a stop asked for is not an error: the steps done stand
    },
  };
}
