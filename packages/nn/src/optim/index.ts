export { Optimizer, type OptimizerOptions, type OptimizerState, type OptimizerStateInput } from './optimizer.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { AdamW, type AdamWOptions } from './adamw.ts';
export { isNoDecay, type ParamGroup, type ParamsInput } from './params.ts';
export {
  constantSchedule,
  linearSchedule,
  cosineSchedule,
  makeSchedule,
  type LrSchedule,
  type ScheduleName,
  type ScheduleOptions,
} from './schedule.ts';
export { clipGradNorm, gradNorm } from './norm.ts';
