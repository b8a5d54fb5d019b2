// Evaluating an encoder: AskUbuntu reranking (MAP, MRR@10), optionally STS-B, and the collapse
// monitors (per-dimension std, covariance spectrum) on a sample of the embedded dev texts.
import type { RerankQuery } from '../data/rerank.ts';
import type { StsPair } from '../data/stsb.ts';
import { evaluateRerank } from '../eval/rerank.ts';
import { evaluateStsb } from '../eval/stsb.ts';
import type { SentenceEncoder } from '../model/encoder.ts';
import { covarianceSpectrum, perDimStd } from '../report/spectrum.ts';

export interface EncoderEval {
  queries: number;
  map: number;
  mrr10: number;
  stsb?: number;
  meanStd: number;
  embStd: number[];
  spectrum: number[];
  seconds: number;
}

export async function evaluateEncoder(
  enc: SentenceEncoder,
  dev: readonly RerankQuery[],
  opts: { stsb?: readonly StsPair[]; batchSize?: number; sample?: number } = {},
): Promise<EncoderEval> {
  const t0 = Date.now();
  const sampleSize = opts.sample ?? 256;
  const sample: Float32Array[] = [];
  const embed = async (texts: string[]) => {
    const e = await enc.embed(texts, opts.batchSize ?? 128);
    for (const v of e) if (sample.length < sampleSize) sample.push(v);
    return e;
  };
  const r = await evaluateRerank(dev, embed, { batchSize: 2048 });
  const stsb = opts.stsb
    ? (await evaluateStsb(opts.stsb, (t) => enc.embed(t, opts.batchSize ?? 128), { batchSize: 2048 })).spearman
    : undefined;
  const std = perDimStd(sample);
  const meanStd = std.reduce((a, b) => a + b, 0) / Math.max(std.length, 1);
  return {
    queries: r.queries,
    map: r.map,
    mrr10: r.mrr10,
    stsb,
    meanStd,
    embStd: Array.from(std),
    spectrum: Array.from(covarianceSpectrum(sample)),
    seconds: (Date.now() - t0) / 1000,
  };
}
