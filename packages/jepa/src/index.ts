// @jepa/jepa public API (Node): core.ts (runs anywhere) and the Node-only parts.
export * from './core.ts';
export * from './data/index.ts';
export * from './model/load.ts';
export * from './model/sif-save.ts';
export * from './train/evaluate.ts';
export * from './train/trainer.ts';
export * from './train/baselines.ts';
export * from './train/checkpoint.ts';
export * from './report/html.ts';
export * from './report/spectrum.ts';
export { lineChart, type Series } from './report/svg.ts';
export * from './util/npy.ts';
export { parseOptions, UsageError, type OptionSpec } from './cli/args.ts';
