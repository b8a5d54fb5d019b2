// Ours and each peer alternate in rounds: on a shared or noisy machine the load moves between
// rounds, and a ratio taken within one round sees the same load on both sides. The row's ratio is
// the median of the per-round ratios; their min–max is the spread a reader should believe.
import { median } from './timing.ts';

/** A row whose per-round ratios spread more than this (max − min over the median) is flagged. */
export const SPREAD_LIMIT = 0.25;

export interface RatioStats {
  /** median over rounds of peer ms / our ms (above 1: we are faster) */
  ratio: number;
  min: number;
  max: number;
  /** (max − min) / ratio */
  spread: number;
  unstable: boolean;
}

/** Per-round medians of ours and a peer (same length, one entry per round) as ratio statistics. */
export function ratioStats(ours: readonly number[], peer: readonly number[]): RatioStats {
  if (ours.length === 0 || ours.length !== peer.length) {
    throw new Error(`ratioStats: one time per round on each side, got ${ours.length} and ${peer.length}`);
  }
  const ratios = peer.map((p, i) => p / ours[i]);
  const ratio = median(ratios);
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  const spread = (max - min) / ratio;
  return { ratio, min, max, spread, unstable: spread > SPREAD_LIMIT };
}

/** The order of the sides in round `r`: reversed every other round, so neither side always goes first. */
export function roundOrder<T>(sides: readonly T[], r: number): T[] {
  return r % 2 === 0 ? [...sides] : [...sides].reverse();
}
