// docs/OWN-MODEL.md, part 1: an MLP classifier as a Module with fields, trained, saved, reloaded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, Linear, Module, loadSafetensorsFile, saveSafetensorsFile } from '@jepa/nn';
import { checkLeaks, crossEntropy, init, manualSeed, relu, shutdown, tensor, tidy, tidyAsync } from '@jepa/tensor';

// Layers assigned as fields are registered under their names, as in PyTorch.
class MLP extends Module {
  constructor(inputs, hidden, classes) {
    super();
    this.fc1 = new Linear(inputs, hidden);
    this.fc2 = new Linear(hidden, hidden);
    this.head = new Linear(hidden, classes);
  }

  forward(x) {
    return this.head.forward(relu(this.fc2.forward(relu(this.fc1.forward(x)))));
  }
}

// Toy data: 240 points in the plane, labelled by which third of the circle they lie in.
function makeData(n) {
  const xs = new Float32Array(n * 2);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const angle = (2 * Math.PI * i) / n,
      r = 0.3 + ((i * 7) % 10) / 10;
    xs[2 * i] = r * Math.cos(angle);
    xs[2 * i + 1] = r * Math.sin(angle);
    ys[i] = Math.floor((3 * i) / n);
  }
  return { x: tensor(xs, [n, 2]), y: tensor(ys, [n], 'i32') };
}

await init();
manualSeed(0);
const model = new MLP(2, 32, 3);
console.log(
  'parameters:',
  model
    .namedParameters()
    .map(([name, t]) => `${name} [${t.shape}]`)
    .join(', '),
);
const { x, y } = makeData(240);
const opt = new AdamW(model.parameters(), { lr: 0.01 });

const losses = [];
for (let step = 0; step < 150; step++) {
  // tidy() frees every tensor the step creates; the loss is read back after it.
  const loss = tidy(() => {
    opt.zeroGrad();
    const l = crossEntropy(model.forward(x), y);
    l.backward();
    opt.step();
    return l;
  });
  losses.push(await loss.item());
  loss.dispose();
}
console.log(`loss: first ${losses[0].toFixed(4)}, last ${losses.at(-1).toFixed(4)}`);

const accuracy = await tidyAsync(async () => {
  const logits = await model.eval().forward(x).toArray();
  const labels = await y.toInt32Array();
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = Array.from(logits.subarray(3 * i, 3 * i + 3));
    if (row.indexOf(Math.max(...row)) === labels[i]) right++;
  }
  return right / labels.length;
});
console.log(`training accuracy: ${(100 * accuracy).toFixed(1)}%`);

// Save the state dict (names as above) and load it into a fresh model.
const dir = await mkdtemp(join(tmpdir(), 'own-mlp-'));
const path = join(dir, 'mlp.safetensors');
await saveSafetensorsFile(path, model.stateDict());
const copy = new MLP(2, 32, 3);
copy.loadStateDict((await loadSafetensorsFile(path)).tensors);
const [a, b] = await tidyAsync(async () => [await model.forward(x).toArray(), await copy.eval().forward(x).toArray()]);
console.log(a.every((v, i) => v === b[i]) ? 'reloaded: identical outputs' : 'reloaded: outputs DIFFER');
await rm(dir, { recursive: true });

// Everything not made inside tidy() is disposed by hand.
for (const t of [x, y]) t.dispose();
opt.dispose();
model.dispose();
copy.dispose();
console.log('leaked tensors:', await checkLeaks());
await shutdown();
