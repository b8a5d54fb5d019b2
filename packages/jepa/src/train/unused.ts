// Options given for a run that will not use them: warned about, so a typo'd plan is not silent.
import { flagName, type TrainConfig } from './options.ts';

/**
 * The given options a run will not use, one "--flag has no effect ..." each: an objective's
 * settings under another objective, VICReg's under `jepa-ema --ema-loss mse`, a pretext task's
 * without it, and what `init` replaces (the preset and the embedding init come from the dir).
 */
export function unusedOptions(cfg: TrainConfig, given: Iterable<string>): string[] {
  const jepaFamily = cfg.objective === 'jepa' || cfg.objective === 'jepa-ema';
  const vicreg = cfg.objective === 'jepa' || (cfg.objective === 'jepa-ema' && cfg.emaLoss === 'vicreg');
  const obj = `with --objective ${cfg.objective}`;
  const noVicreg = cfg.objective === 'jepa-ema' ? `${obj} --ema-loss mse` : obj;
  const pretext = obj + (cfg.aux === 'none' ? '' : ` --aux ${cfg.aux}`);
  const pairs = cfg.objective === 'pairs' || cfg.aux === 'pairs';
  const used: Partial<Record<keyof TrainConfig, [boolean, string]>> = {
    lambda: [vicreg, noVicreg],
    mu: [vicreg, noVicreg],
    nu: [vicreg, noVicreg],
    loss: [vicreg, noVicreg],
    views: [cfg.objective === 'jepa', obj],
    viewRate: [cfg.objective === 'jepa' && cfg.views.some((v) => v !== 'crop'), 'without --views other than crop'],
    cropBoth: [jepaFamily, obj],
    cropRest: [jepaFamily, obj],
    expander: [cfg.objective === 'jepa', obj],
    expanderFinalBias: [cfg.objective === 'jepa', obj],
    auxWeight: [cfg.objective === 'jepa' && cfg.aux !== 'none', 'without --aux'],
    maskRate: [cfg.objective === 'mlm' || cfg.aux === 'mlm', pretext],
    deleteRatio: [cfg.objective === 'tsdae' || cfg.aux === 'tsdae', pretext],
    decoderTie: [cfg.objective === 'tsdae' || cfg.aux === 'tsdae', pretext],
    temperature: [cfg.objective === 'simcse', obj],
    pairsScale: [pairs, pretext],
    pairsFile: [pairs, pretext],
    pairsLimit: [pairs, pretext],
    emaMomentum: [cfg.objective === 'jepa-ema', obj],
    emaMomentumEnd: [cfg.objective === 'jepa-ema', obj],
    emaSchedule: [cfg.objective === 'jepa-ema', obj],
    emaLoss: [cfg.objective === 'jepa-ema', obj],
    predictor: [cfg.objective === 'jepa-ema', obj],
    preset: [!cfg.init, `with --init (the model's config.json sets the size)`],
  };
  const out: string[] = [];
  for (const k of new Set(given)) {
    const u = used[k as keyof TrainConfig];
    if (u && !u[0]) out.push(`${flagName(k)} has no effect ${u[1]}`);
  }
  return out;
}
