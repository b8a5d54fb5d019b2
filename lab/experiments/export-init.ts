// Export a run's initial weights (exactly as `pnpm train` builds them for a config) as a model dir,
// to compare trained weights against their initialisation.
// usage: tsx lab/experiments/export-init.ts OUT_DIR [pnpm train flags...]
import { buildModel, exportModel, parseArgs, resolveConfig } from '@jepa/jepa';
import { init, shutdown } from '@jepa/tensor';

const [out, ...rest] = process.argv.slice(2);
const cfg = resolveConfig(parseArgs(rest).flags);
await init();
const { encoder } = await buildModel(cfg);
await exportModel(
  out,
  encoder.bert,
  encoder.tokenizer,
  { pooling: cfg.pooling, maxTokens: cfg.maxTokens, objective: cfg.objective, step: 0 },
  encoder.tokenWeights,
);
await shutdown();
