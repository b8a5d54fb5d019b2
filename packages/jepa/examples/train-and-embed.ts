// Train a JEPA encoder from TypeScript (the main job's settings), then load it and embed sentences.
// Run: pnpm exec tsx packages/jepa/examples/train-and-embed.ts [steps=300]   (~3 min on llvmpipe)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEncoder, resolveConfig, train } from '@jepa/jepa';
import { shutdown } from '@jepa/tensor';

const steps = Number(process.argv[2] ?? 300);
const out = mkdtempSync(join(tmpdir(), 'jepa-example-'));
// Any `pnpm train` option by its camelCase name; unknown names and bad values are errors.
const cfg = resolveConfig({ steps, pooling: 'sif', evalEvery: 0, out });
const run = await train(cfg, { quiet: true });
console.log(`trained ${run.steps} steps in ${run.seconds.toFixed(0)} s; dev MAP ${run.lastEval!.map.toFixed(2)}`);

const enc = await loadEncoder(out); // model.safetensors, config.json, vocab.txt, token_weights.safetensors
const texts = [
  'how do i mount a usb drive',
  'usb stick not mounting',
  'change the default shell',
  'how to set zsh as default shell',
];
const emb = await enc.embed(texts);
const cos = (x: Float32Array, y: Float32Array) => {
  let d = 0,
    nx = 0,
    ny = 0;
  for (let i = 0; i < x.length; i++) {
    d += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  return d / Math.sqrt(nx * ny);
};
console.log(`${emb.length} embeddings of size ${emb[0].length} (${enc.pooling} pooling); cosine similarities:`);
for (let i = 0; i < texts.length; i++)
  console.log(`  ${texts[i].padEnd(34)} ${emb.map((e) => cos(emb[i], e).toFixed(2)).join('  ')}`);
enc.bert.dispose();
await shutdown(); // lets the process exit
