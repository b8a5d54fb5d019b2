// A few JEPA steps on the page: a tiny BERT from scratch, a WordCrop view of each sentence, the
// expander and the VICReg loss, AdamW — the trainer's step (packages/jepa/src/train/trainer.ts)
// without its files, the loss read back every step for the plot.
import { BatchStream, RECIPES, SentenceEncoder, jepaObjective, resolveConfig } from '@jepa/jepa';
import { AdamW, BertModel, bertConfig, makeSchedule, type BertTokenizer } from '@jepa/nn';
import { manualSeed, setGeneratorState, tidy } from '@jepa/tensor';

export interface StepReport {
  step: number;
  loss: number;
  terms: Record<string, number>;
  msPerStep: number;
}

export async function trainJepa(
  tokenizer: BertTokenizer,
  pool: readonly string[],
  steps: number,
  batchSize: number,
  onStep: (r: StepReport) => void,
): Promise<void> {
  // The plain-BERT recipe: this page trains every weight of a random-init encoder, no PPMI table.
  const cfg = resolveConfig(RECIPES.bert, { steps, batchSize, pooling: 'mean', evalEvery: 0 });
  manualSeed(cfg.seed);
  const bert = new BertModel(bertConfig(cfg.preset, { attention_probs_dropout_prob: 0 }));
  const encoder = new SentenceEncoder(bert, tokenizer, cfg.pooling, cfg.maxTokens);
  const objective = jepaObjective(encoder, cfg);
  const schedule = makeSchedule(cfg.schedule, { lr: cfg.lr, warmup: cfg.warmup, total: cfg.steps });
  const optimizer = new AdamW([bert, ...Object.values(objective.heads)], {
    lr: cfg.lr,
    schedule,
    weightDecay: cfg.weightDecay,
    maxGradNorm: cfg.clip > 0 ? cfg.clip : undefined,
  });
  const stream = new BatchStream([...pool], cfg.batchSize, cfg.seed);
  try {
    for (let step = 0; step < cfg.steps; step++) {
      const t0 = performance.now();
      setGeneratorState({ seed: stream.gpuSeed(step), offset: 0 });
      const res = tidy(() => {
        const o = objective.step(stream.batch(step), stream.rng(step));
        o.loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return { names: ['loss', ...Object.keys(o.terms)], tensors: [o.loss, ...Object.values(o.terms)] };
      });
      const vals = await Promise.all(res.tensors.map((t) => t.item()));
      for (const t of res.tensors) t.dispose();
      const terms = Object.fromEntries(res.names.slice(1).map((n, i) => [n, vals[i + 1]!]));
      onStep({ step: step + 1, loss: vals[0]!, terms, msPerStep: performance.now() - t0 });
    }
  } finally {
    optimizer.dispose();
    for (const m of [bert, ...Object.values(objective.heads)]) m.dispose();
  }
}
