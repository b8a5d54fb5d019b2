import { init, shutdown, tidy, runtime } from '@jepa/tensor';
import { resolveConfig } from '/work/main/packages/jepa/src/train/config.ts';
import { buildModel } from '/work/main/packages/jepa/src/train/trainer.ts';
import { AdamW } from '@jepa/nn';
import { Rng } from '/work/main/packages/jepa/src/util/rng.ts';
const t = () => performance.now();
let t0 = t();
await init(); console.log('init', (t() - t0).toFixed(0)); t0 = t();
const cfg = resolveConfig({ steps: 20 });
const ctx = await buildModel(cfg); await runtime().sync(); console.log('build', (t() - t0).toFixed(0)); t0 = t();
const opt = new AdamW(ctx.modules, { lr: 1e-4 }); await runtime().sync(); console.log('adamw', (t() - t0).toFixed(0)); t0 = t();
const sents = Array.from({ length: 32 }, (_, i) => `how do i install package number ${i} on ubuntu 12.04 with apt`);
for (let s = 0; s < 4; s++) {
  const l = tidy(() => { const o = ctx.objective.step(sents, Rng.fromSeed(s)); o.loss.backward(); opt.step(); opt.zeroGrad(); return o.loss; });
  console.log('step', s, await l.item(), (t() - t0).toFixed(0), 'pipelines', runtime().counters.pipelinesCreated, 'dispatches', runtime().counters.dispatches); t0 = t();
}
await shutdown();
