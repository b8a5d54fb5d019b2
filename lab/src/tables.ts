// Which committed file under lab/results/ is made from which raw runs, and how: `pnpm tables`
// rewrites them, `pnpm tables:check` and lab/test/tables.test.ts check that they still come out
// byte for byte. Files made by hand or by the Python experiments are listed in HAND_MADE.
import { aggregate, byKChart, jsonLines, seedsReport, singleSeedTable, type RunResult } from './results.ts';
import { sweepReport, type StepTime, type SweepLine } from './sweep-report.ts';

/** A file under lab/results/ and the text its raw runs give. */
export interface Output {
  file: string;
  text: string;
}

/** Reads a file under lab/results/ (the tool reads the disk, a test may read anything). */
export type Read = (file: string) => string;

/**
 * Seeds-harness tables (tools/results-report.ts NAME.jsonl TITLE): the chart title each was made
 * with, or null where no chart is committed (the table alone).
 */
export const SEEDS_TABLES: Record<string, string | null> = {
  'claims-seeds': 'AskUbuntu dev, tiny, sif, BERT init, 300 steps',
  'claims-tiny-sif': null,
  'claims-tiny-sif-rest': null,
  'claims-tiny-sif-s23': 'AskUbuntu dev, tiny, sif',
  'claims-tiny-sif-s23b': 'AskUbuntu dev, tiny, sif',
  'jepa-init-seeds': 'JEPA, tiny, SIF',
  'jepa-knobs': 'JEPA knobs, seed 1',
  'main-lambda5': null,
  'main-ppmi': 'AskUbuntu dev, tiny, sif, ppmi init',
  'main-steps-frozen': 'AskUbuntu dev, the main job, 2 000 vs 3 000 steps',
  'new-objectives-seed1': null,
  'pairs-limit': 'Labelled pairs by K: alone, after JEPA, jointly with JEPA (500 steps)',
  'pairs-recipe': 'Labelled recipe screen',
  views: "The seed's language views and --aux transform (1000 steps)",
  sizes: 'Model sizes at equal time and equal steps',
  'objectives-words-seed1': null,
  'ppmi-objectives-seed1': 'Objectives from the ppmi init, seed 1 (single-seed screens)',
};

/** Tables from results.sh before the seeds harness: one run per system, no seeds column. */
export const SINGLE_SEED_TABLES = ['askubuntu-tiny-300-cls', 'askubuntu-tiny-300-mean', 'askubuntu-tiny-300-sif'];

/** The charts of claims-seeds.jsonl before its μ and crop rows were added (the file was then renamed). */
const CLAIMS_BATCH_EXPANDER = { from: 'claims-seeds', omit: ['μ 5', 'μ 1', 'crop + crop'] };

/** The H200 sweep (experiments/gpu/report.ts): its lines, the 2-core step times, the baselines, the charted systems. */
export const SWEEP = {
  base: 'h200-objectives',
  stepTimes: 'h200-sweep/step-times-2core.jsonl',
  refs: 'baselines-words-sif.jsonl',
  charts: ['jepa-aux-mlm', 'jepa-aux-tsdae', 'jepa-ema', 'jepa', 'mlm', 'simcse', 'tsdae'],
};

/**
 * The sample-efficiency chart (NAME-k.svg) of a seeds table whose runs are named `<way> K=<n|all>`;
 * its flat lines are systems of another table (name there → name on the chart), mean over seeds.
 */
export const BY_K = {
  base: 'pairs-limit',
  title: 'Dev MAP by labelled pairs K (500 steps, mean over seeds)',
  allPairs: 4816,
  refs: {
    file: 'main-ppmi.jsonl',
    names: {
      'untrained, ppmi init (--max-tokens 32, as trained)': ['untrained start, no labels', 'untrained'],
      'JEPA from ppmi init (table lr ×1)': ['the main job (JEPA), no labels', 'main job'],
    } as Record<string, [string, string]>,
  },
};

/** Committed files no tool here remakes, and what made them. */
export const HAND_MADE: Record<string, string> = {
  'bare-pairs.md': 'written from runs of experiments/bare-pairs.py (commands in it)',
  'bow-jepa.md': 'written from the runs in bow-jepa/ (experiments/bow-jepa.py, experiments/bow-jepa-sweep.sh)',
  'cooccurrence-ceiling.md': 'prose around the output of experiments/cooccurrence-ceiling.py',
  'ppmi-knobs.md': 'prose around the output of experiments/ppmi-knobs.py',
  'word-table.md': 'written from single runs of pnpm train (commands in it)',
  'soak-5000.csv': 'samples of scripts/soak.ts 5000',
};

/** Every generated file under lab/results/, remade from the raw runs that `read` returns. */
export function tables(read: Read): Output[] {
  const runs = <T = RunResult>(file: string) => jsonLines<T>(read(file), file);
  const out: Output[] = [];
  for (const [base, title] of Object.entries(SEEDS_TABLES)) {
    const r = seedsReport(runs(`${base}.jsonl`), title ?? 'AskUbuntu dev');
    out.push({ file: `${base}.md`, text: r.md });
    if (title !== null) out.push(...charts(base, r));
  }
  for (const base of SINGLE_SEED_TABLES) out.push({ file: `${base}.md`, text: singleSeedTable(runs(`${base}.jsonl`)) });
  const cbe = runs(`${CLAIMS_BATCH_EXPANDER.from}.jsonl`).filter((r) => !CLAIMS_BATCH_EXPANDER.omit.includes(r.name));
  out.push(...charts('claims-batch-expander-seeds', seedsReport(cbe, SEEDS_TABLES[CLAIMS_BATCH_EXPANDER.from]!)));
  const sweep = sweepReport(
    runs<SweepLine>(`${SWEEP.base}.jsonl`),
    runs<StepTime>(SWEEP.stepTimes),
    runs(SWEEP.refs),
    SWEEP.charts,
  );
  out.push({ file: `${SWEEP.base}.md`, text: sweep.md }, ...charts(SWEEP.base, sweep));
  const refs = aggregate(runs(BY_K.refs.file))
    .filter((r) => r.name in BY_K.refs.names)
    .map((r) => ({ name: BY_K.refs.names[r.name]![0], label: BY_K.refs.names[r.name]![1], map: r.map.mean }));
  const byK = byKChart(runs(`${BY_K.base}.jsonl`), BY_K.title, BY_K.allPairs, refs);
  out.push({ file: `${BY_K.base}-k.svg`, text: `${byK}\n` });
  return out;
}

function charts(base: string, r: { steps?: string; time?: string }): Output[] {
  if (!r.steps || !r.time) throw new Error(`tables: ${base} has no curves, got a chart title for it`);
  return [
    { file: `${base}-steps.svg`, text: r.steps },
    { file: `${base}-time.svg`, text: r.time },
  ];
}
