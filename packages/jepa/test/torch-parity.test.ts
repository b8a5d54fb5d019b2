// Whole-model parity with PyTorch as the oracle: one training step of each objective (tiny BERT on a
// padded batch, pooling, head, loss, backward, AdamW with clipping and the decay exemptions) against
// an independent PyTorch twin (torch/reference.py) started from the same weights, dropout off.
//
// Tolerance, one rule for every compared tensor (loss, gradients, Adam moments, parameter updates,
// BatchNorm running statistics): max|ours − torch| ≤ RTOL · max|torch|. A parameter whose exact
// gradient is 0 (PyTorch in float64 gives ≤ 1e-12 of the largest: attention key biases, biases
// feeding a BatchNorm, the final expander bias, ...) carries only round-off in both stacks; its
// tensors are measured against the largest value of their family in the model instead.
// The AdamW step uses lr 0.05, eps 1e-2 and weight decay 0.1: the first Adam step is lr·g/(|g| + eps),
// which for |g| ≫ eps is lr·sign(g) and flips on round-off; with this eps the update is a smooth
// function of the gradient, and with this lr it stands well above float32 spacing of the weights.
import '../../../test/gpu.ts';
import { describe, expect, it } from 'vitest';
import { AdamW, BertModel, BertTokenizer, bertConfig, type Module } from '@jepa/nn';
import { manualSeed, tidyAsync, type Tensor } from '@jepa/tensor';
import { SentenceEncoder, type Batch } from '../src/model/encoder.ts';
import { jepaObjective } from '../src/objectives/jepa.ts';
import { mlmObjective, planMasking } from '../src/objectives/mlm.ts';
import { simcseObjective } from '../src/objectives/simcse.ts';
import type { ObjectiveImpl } from '../src/objectives/objective.ts';
import { RECIPES, resolveConfig, type TrainConfig } from '../src/train/config.ts';
import { Rng } from '../src/util/rng.ts';
import { randomWeights } from '../../nn/test/helpers.ts';
import { runReference, torchVersion, type HostTensors } from './torch/bridge.ts';

const RTOL = 2e-4;
const ZERO = 1e-12;
const ADAMW = { lr: 0.05, eps: 1e-2, weightDecay: 0.1, beta1: 0.9, beta2: 0.999 };

const SENTENCES = [
  'how do i mount a usb drive on ubuntu',
  'wifi drops after suspend',
  'change the default shell to zsh for every new user account',
  'grub rescue prompt',
  'why is apt so slow today',
  'install nvidia drivers without breaking the desktop login screen',
];

const version = torchVersion();
// The test command (scripts/test.sh) installs PyTorch and requires it; a bare `pnpm test` skips.
if (!version && process.env.JEPA_REQUIRE_TORCH === '1') {
  throw new Error('torch-parity: JEPA_REQUIRE_TORCH=1 but python3 cannot import torch (run scripts/setup-test.sh)');
}

interface Case {
  objective: TrainConfig['objective'];
  overrides: Record<string, unknown>;
}

interface Step {
  loss: number;
  gradNorm: number;
  /** name -> host values, prefixed bert. / expander. / mlm. */
  grads: Map<string, Float32Array>;
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
  running: Map<string, Float32Array>;
  inputs: HostTensors;
  cfg: TrainConfig;
}

function makeObjective(enc: SentenceEncoder, cfg: TrainConfig): ObjectiveImpl {
  if (cfg.objective === 'jepa') return jepaObjective(enc, cfg);
  if (cfg.objective === 'mlm') return mlmObjective(enc, cfg);
  return simcseObjective(enc, cfg);
}

const f32 = (a: Int32Array) => Float32Array.from(a);

async function ourStep(c: Case): Promise<Step> {
  manualSeed(1);
  const cfg = resolveConfig(RECIPES.bert, { objective: c.objective, dropout: 0, maxTokens: 32, ...c.overrides });
  const bert = new BertModel(bertConfig('tiny', { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }));
  bert.loadStateDict(randomWeights(bert));
  const tok = BertTokenizer.default();
  const enc = new SentenceEncoder(bert, tok, cfg.pooling, cfg.maxTokens);
  const seen: Batch[] = [];
  const tokenize = enc.tokenize.bind(enc);
  enc.tokenize = (texts) => {
    const b = tokenize(texts);
    seen.push(b);
    return b;
  };
  const obj = makeObjective(enc, cfg);
  const modules: [string, Module][] = [['bert', bert], ...Object.entries(obj.heads)];
  for (const [, m] of modules) m.train();
  const named = modules.flatMap(([p, m]) => m.namedParameters().map(([n, t]) => [`${p}.${n}`, t] as [string, Tensor]));
  const buffers = modules.flatMap(([p, m]) =>
    m
      .namedBuffers()
      .filter(([n]) => n.includes('running'))
      .map(([n, t]) => [`${p}.${n}`, t] as [string, Tensor]),
  );
  const host = async (list: [string, Tensor][]) =>
    new Map(await Promise.all(list.map(async ([n, t]) => [n, await t.toArray()] as const)));
  const before = await host(named);
  const runningBefore = await host(buffers);
  const optimizer = new AdamW(
    modules.map(([, m]) => m),
    { ...ADAMW, maxGradNorm: cfg.clip },
  );
  const rng = Rng.fromSeed(5);
  const rngAtStart = rng.clone();
  const s = await tidyAsync(async () => {
    const out = obj.step(SENTENCES, rng);
    out.loss.backward();
    const loss = await out.loss.item();
    const grads = new Map<string, Float32Array>();
    for (const [n, t] of named) if (t.grad) grads.set(n, await t.grad.toArray());
    optimizer.step();
    const st = optimizer.state();
    const index = new Map(optimizer.params.map((p, i) => [p, i]));
    const m = new Map<string, Float32Array>(),
      v = new Map<string, Float32Array>();
    for (const [n, t] of named) {
      m.set(n, await st.tensors.get(`m.${index.get(t)}`)!.toArray());
      v.set(n, await st.tensors.get(`v.${index.get(t)}`)!.toArray());
    }
    for (const t of st.tensors.values()) t.dispose();
    return {
      loss,
      grads,
      m,
      v,
      gradNorm: await optimizer.lastGradNorm!.item(),
      after: await host(named),
      running: await host(buffers),
    };
  });
  // What the twin needs: the weights before the step and the exact token batches the objective built.
  const inputs: HostTensors = {};
  for (const [n, t] of named) inputs[n] = { shape: [...t.shape], data: before.get(n)! };
  for (const [n, t] of buffers) inputs[`buffer.${n}`] = { shape: [...t.shape], data: runningBefore.get(n)! };
  const batchIn = (b: Batch, ids: Int32Array, k: string) => {
    inputs[`input.ids_${k}`] = { shape: [b.batch, b.seqLen], data: ids };
    inputs[`input.mask_${k}`] = { shape: [b.batch, b.seqLen], data: f32(b.hostMask) };
  };
  if (cfg.objective === 'mlm') {
    const b = seen[0];
    const plan = planMasking(b.hostIds, b.hostMask, rngAtStart, {
      rate: cfg.maskRate,
      maskId: tok.maskId,
      vocabSize: tok.vocabSize,
      special: new Set([tok.padId, tok.clsId, tok.sepId, tok.unkId, tok.maskId]),
    });
    batchIn(b, plan.ids, 'a');
    inputs['input.positions'] = { shape: [plan.positions.length], data: plan.positions };
    inputs['input.targets'] = { shape: [plan.targets.length], data: plan.targets };
  } else {
    batchIn(seen[0], seen[0].hostIds, 'a');
    if (cfg.objective === 'jepa') batchIn(seen[1], seen[1].hostIds, 'b');
  }
  optimizer.dispose();
  for (const [, m] of modules) m.dispose();
  return { ...s, before, inputs, cfg };
}

function twinCase(s: Step) {
  const cfg = s.cfg;
  const bert = bertConfig('tiny');
  return {
    objective: cfg.objective,
    pooling: cfg.pooling,
    bert: {
      hidden_size: bert.hidden_size,
      num_attention_heads: bert.num_attention_heads,
      num_hidden_layers: bert.num_hidden_layers,
      layer_norm_eps: bert.layer_norm_eps,
    },
    expander: [bert.hidden_size, ...(cfg.expander.length ? cfg.expander : [512, 512, 512])],
    vicreg: { variant: cfg.loss, lambda: cfg.lambda, mu: cfg.mu, nu: cfg.nu, gamma: 1, eps: 1e-4 },
    temperature: cfg.temperature,
    adamw: { ...ADAMW, clip: cfg.clip },
  };
}

const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** Worst error of a family of tensors under the stated rule, and the offenders. */
function check(
  kind: string,
  ours: Map<string, Float32Array>,
  ref: Map<string, Float32Array>,
  zero: ReadonlySet<string>,
): { worst: number; bad: string[] } {
  const names = [...ref.keys()];
  const top = Math.max(...names.map((n) => maxAbs(ref.get(n)!)));
  let worst = 0;
  const bad: string[] = [];
  for (const n of names) {
    const a = ours.get(n);
    if (!a) {
      bad.push(`${kind} ${n}: missing on our side`);
      continue;
    }
    const r = ref.get(n)!;
    const err = maxDiff(a, r) / (zero.has(n) ? top : maxAbs(r));
    worst = Math.max(worst, err);
    if (!(err <= RTOL)) bad.push(`${kind} ${n}: ${err.toExponential(2)}`);
  }
  return { worst, bad };
}

function family(
  ref: Map<string, { data: Float32Array }>,
  prefix: string,
  keep: (n: string) => boolean = () => true,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of ref)
    if (k.startsWith(prefix) && keep(k.slice(prefix.length))) out.set(k.slice(prefix.length), t.data);
  return out;
}

const CASES: [string, Case][] = [
  [
    'JEPA, official VICReg, mean pooling, expander 512³',
    { objective: 'jepa', overrides: { loss: 'official', pooling: 'mean' } },
  ],
  ['JEPA, seed VICReg, CLS pooling, expander 512³', { objective: 'jepa', overrides: { loss: 'seed', pooling: 'cls' } }],
  [
    'JEPA, official VICReg, D < N expander [32, 32, 4]',
    {
      objective: 'jepa',
      overrides: { loss: 'official', pooling: 'mean', expander: [32, 32, 4], expanderFinalBias: false },
    },
  ],
  ['MLM (tied decoder)', { objective: 'mlm', overrides: { pooling: 'mean', maskRate: 0.3 } }],
  ['SimCSE (dropout off: the two passes agree)', { objective: 'simcse', overrides: { pooling: 'mean' } }],
];

describe.skipIf(!version)(`one training step against PyTorch ${version ?? '(not installed)'}`, () => {
  for (const [title, c] of CASES) {
    it(title, async () => {
      const s = await ourStep(c);
      const ref = await runReference(twinCase(s), s.inputs);
      const report: string[] = [];
      expect(s.inputs['input.mask_a'].data.includes(0)).toBe(true); // a padded batch
      const loss = Math.abs(s.loss - ref.get('loss')!.data[0]) / Math.abs(ref.get('loss')!.data[0]);
      report.push(`loss ${s.loss} vs ${ref.get('loss')!.data[0]} (rel ${loss.toExponential(2)})`);
      expect(loss).toBeLessThanOrEqual(RTOL);
      const gn = Math.abs(s.gradNorm - ref.get('gradnorm')!.data[0]) / ref.get('gradnorm')!.data[0];
      expect(gn).toBeLessThanOrEqual(RTOL);
      const bad: string[] = [];
      // Every parameter PyTorch gives a gradient has one here, and they agree.
      const refGrads = family(ref, 'grad.');
      expect([...s.grads.keys()].sort()).toEqual([...refGrads.keys()].sort());
      const g64s = family(ref, 'grad64.');
      const top64 = Math.max(...[...g64s.values()].map(maxAbs));
      const zero = new Set([...g64s].filter(([, a]) => maxAbs(a) <= ZERO * top64).map(([n]) => n));
      const g = check('grad', s.grads, refGrads, zero);
      const g64 = check('grad (torch f32 vs f64)', refGrads, g64s, zero);
      report.push(
        `gradients: ${refGrads.size} tensors (${zero.size} exactly 0), worst ${g.worst.toExponential(2)} (torch f32 vs f64: ${g64.worst.toExponential(2)})`,
      );
      bad.push(...g.bad);
      // AdamW: the moments (clipped gradients) and the update of each parameter.
      // PyTorch skips a parameter without a gradient (the unused pooler): it keeps its value exactly.
      const withGrad = (n: string) => refGrads.has(n);
      const unused = [...s.after].filter(([n]) => !withGrad(n));
      for (const [n, a] of unused)
        if (a.some((x, i) => x !== s.before.get(n)![i])) bad.push(`update ${n}: changed without a gradient`);
      const m = check('m', s.m, family(ref, 'm.', withGrad), zero);
      const v = check('v', s.v, family(ref, 'v.', withGrad), zero);
      const delta = (after: Map<string, Float32Array>) =>
        new Map([...after].filter(([n]) => withGrad(n)).map(([n, a]) => [n, a.map((x, i) => x - s.before.get(n)![i])]));
      const u = check('update', delta(s.after), delta(family(ref, 'after.')), zero);
      bad.push(...m.bad, ...v.bad, ...u.bad);
      report.push(
        `AdamW: m ${m.worst.toExponential(2)}, v ${v.worst.toExponential(2)}, update ${u.worst.toExponential(2)}; grad norm rel ${gn.toExponential(2)}; ${unused.length} without a gradient kept`,
      );
      const running = family(ref, 'running.');
      if (running.size) {
        const r = check('running', s.running, running, new Set());
        bad.push(...r.bad);
        report.push(`BatchNorm running stats: ${r.worst.toExponential(2)}`);
      }
      console.log(`${title}\n  ${report.join('\n  ')}`);
      expect(bad).toEqual([]);
    });
  }
});
