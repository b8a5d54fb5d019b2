// The per-binding limit: every buffer a BERT-base training step allocates must fit in one storage
// binding (maxStorageBufferBindingSize, 128 MiB here). The step runs for real in JS at the true
// shape (batch 32 x 128 tokens) while the runtime records allocations instead of making them and
// skips all GPU work, so the sizes are exact and the test takes seconds.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { runtime, tensor, tidy } from '@jepa/tensor';
import { AdamW, BertMLMHead, BertModel, Expander, pool } from '../src/index.ts';

interface Alloc {
  bytes: number;
  what: string;
}

/** Run fn with allocations recorded (not made) and no dispatches, copies, clears or uploads. */
function dryRun(fn: () => void): Alloc[] {
  const rt = runtime();
  const saved = {
    alloc: rt.alloc,
    free: rt.free,
    dispatch: rt.dispatch,
    copy: rt.copy,
    write: rt.write,
    clear: rt.clear,
  };
  const dummy = rt.alloc(4, 'dry-run dummy');
  const allocs: Alloc[] = [];
  Object.assign(rt, {
    alloc: (bytes: number, what = '?') => {
      allocs.push({ bytes, what });
      return dummy;
    },
    free: () => {},
    dispatch: () => {},
    copy: () => {},
    write: () => {},
    clear: () => {},
  });
  try {
    tidy(fn);
  } finally {
    Object.assign(rt, saved);
    rt.free(dummy);
  }
  return allocs;
}

const MiB = 2 ** 20;
const largest = (a: Alloc[]) => a.reduce((m, x) => (x.bytes > m.bytes ? x : m));

/** One BERT-base step: MLM at 15% of tokens + pooled expander loss, backward, AdamW with clipping. */
function baseStep(B: number, T: number, expanderDims: number[]) {
  return () => {
    const bert = new BertModel('base');
    const head = new BertMLMHead(bert.config, bert.embeddings.wordEmbeddings);
    const exp = new Expander(expanderDims);
    const opt = new AdamW([bert, head, exp], { lr: 1e-4, maxGradNorm: 1 });
    const ids = tensor(new Int32Array(B * T).fill(1000), [B, T], 'i32');
    const mask = tensor(new Float32Array(B * T).fill(1), [B, T]);
    const { lastHidden } = bert.forward(ids, mask);
    const M = Math.ceil(0.15 * B * T);
    const positions = Int32Array.from({ length: M }, (_, i) => Math.floor((i * B * T) / M));
    const mlm = head.loss(lastHidden, positions, new Int32Array(M).fill(7));
    const z = exp.forward(pool(lastHidden, mask, 'mean'));
    mlm.add(z.square().mean()).backward();
    opt.step();
    opt.dispose();
    for (const m of [bert, head, exp]) m.dispose();
  };
}

describe('per-binding limit at BERT-base scale', () => {
  it('a base training step at batch 32 x 128 allocates no buffer above maxStorageBufferBindingSize', () => {
    const limit = runtime().limits.maxStorageBufferBindingSize;
    const allocs = dryRun(baseStep(32, 128, [768, 1536, 1536, 1536]));
    const big = largest(allocs);
    console.log(
      `base step 32x128: ${allocs.length} allocations, largest ${(big.bytes / MiB).toFixed(1)} MiB (${big.what}); limit ${limit / MiB} MiB`,
    );
    const over = allocs.filter((a) => a.bytes > limit);
    expect(over, over.map((a) => `${a.what}: ${a.bytes} B`).join('\n')).toEqual([]);
    // The MLM logits exist only at masked rows: 615 x 30522 x 4 B, not 4096 x 30522 x 4 B = 500 MB.
    const rows = allocs
      .flatMap((a) => /\[(\d+), 30522\]/.exec(a.what)?.[1] ?? [])
      .map(Number)
      .filter((r) => r !== 768);
    expect(Math.max(...rows)).toBe(615);
    // Besides the optimizer's flat chunks (sized to the limit), the embedding-sized buffers
    // (word embeddings, their gradient: 93.8 MiB) are the largest.
    const rest = allocs.filter((a) => !a.what.startsWith('optimizer'));
    expect(largest(rest).bytes).toBe(30522 * 768 * 4);
  });

  it('with the official 8192-8192-8192 expander too: its 256 MiB weights are held in row blocks', () => {
    const limit = runtime().limits.maxStorageBufferBindingSize;
    const allocs = dryRun(baseStep(32, 128, [768, 8192, 8192, 8192]));
    const over = allocs.filter((a) => a.bytes > limit);
    expect(over, over.map((a) => `${a.what}: ${a.bytes} B`).join('\n')).toEqual([]);
    // Two blocks per 8192 x 8192 weight (one block per weight would be 256 MiB).
    expect(
      allocs.filter((a) => a.bytes === 4096 * 8192 * 4 && a.what.includes('[4096, 8192]')).length,
    ).toBeGreaterThanOrEqual(4);
  });
});
