// docs/OWN-MODEL.md, part 2: a small Transformer classifier over padded token sequences.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdamW,
  Embedding,
  LayerNorm,
  Linear,
  Module,
  TransformerEncoderLayer,
  loadSafetensorsFile,
  pool,
  saveSafetensorsFile,
} from '@jepa/nn';
import {
  add,
  checkLeaks,
  crossEntropy,
  init,
  manualSeed,
  shutdown,
  slice,
  tensor,
  tidy,
  tidyAsync,
} from '@jepa/tensor';

const VOCAB = 12,
  MAX_LEN = 10,
  DIM = 32;

class TinyTransformer extends Module {
  constructor(layers) {
    super();
    this.tokens = new Embedding(VOCAB, DIM, { std: 0.5 });
    this.positions = new Embedding(MAX_LEN, DIM, { std: 0.5 });
    // An array of modules is a ModuleList: "layers.0.self_attn.in_proj_weight", ...
    this.layers = Array.from(
      { length: layers },
      () => new TransformerEncoderLayer(DIM, 4, { dimFeedforward: 64, dropout: 0, normFirst: true }),
    );
    this.norm = new LayerNorm(DIM);
    this.head = new Linear(DIM, 2);
  }

  /** ids i32 [B, T], mask f32 [B, T] (1 token, 0 padding) -> logits [B, 2]. */
  forward(ids, mask) {
    const T = ids.shape[1];
    let h = add(this.tokens.forward(ids), slice(this.positions.weight, 0, 0, T));
    for (const layer of this.layers) h = layer.forward(h, { keyMask: mask });
    return this.head.forward(pool(this.norm.forward(h), mask, 'mean'));
  }
}

// Toy task: does the sequence contain token 7? Lengths 3..10, padded with 0 to 10.
function makeBatch(n, seed) {
  let s = seed;
  const rand = (k) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % k;
  };
  const ids = new Int32Array(n * MAX_LEN),
    mask = new Float32Array(n * MAX_LEN),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = 3 + rand(MAX_LEN - 2);
    for (let t = 0; t < len; t++) {
      ids[i * MAX_LEN + t] = 1 + rand(VOCAB - 1);
      mask[i * MAX_LEN + t] = 1;
    }
    if (i % 2 === 0) ids[i * MAX_LEN + rand(len)] = 7; // half the rows surely contain it
    labels[i] = ids.subarray(i * MAX_LEN, i * MAX_LEN + len).includes(7) ? 1 : 0;
  }
  return {
    ids: tensor(ids, [n, MAX_LEN], 'i32'),
    mask: tensor(mask, [n, MAX_LEN]),
    labels: tensor(labels, [n], 'i32'),
  };
}

await init();
manualSeed(0);
const model = new TinyTransformer(2);
console.log(`${model.parameters().length} parameter tensors, e.g. ${model.namedParameters()[2][0]}`);
const opt = new AdamW(model.parameters(), { lr: 3e-3 });
const batch = makeBatch(64, 1);

const losses = [];
for (let step = 0; step < 60; step++) {
  const loss = tidy(() => {
    opt.zeroGrad();
    const l = crossEntropy(model.forward(batch.ids, batch.mask), batch.labels);
    l.backward();
    opt.step();
    return l;
  });
  losses.push(await loss.item());
  loss.dispose();
}
console.log(`loss: first ${losses[0].toFixed(4)}, last ${losses.at(-1).toFixed(4)}`);

const dir = await mkdtemp(join(tmpdir(), 'own-transformer-'));
const path = join(dir, 'transformer.safetensors');
await saveSafetensorsFile(path, model.stateDict());
const copy = new TinyTransformer(2);
copy.loadStateDict((await loadSafetensorsFile(path)).tensors);
const [a, b] = await tidyAsync(async () => [
  await model.eval().forward(batch.ids, batch.mask).toArray(),
  await copy.eval().forward(batch.ids, batch.mask).toArray(),
]);
console.log(a.every((v, i) => v === b[i]) ? 'reloaded: identical outputs' : 'reloaded: outputs DIFFER');
await rm(dir, { recursive: true });

for (const t of Object.values(batch)) t.dispose();
opt.dispose();
model.dispose();
copy.dispose();
console.log('leaked tensors:', await checkLeaks());
await shutdown();
