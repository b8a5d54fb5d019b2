// Input-embedding initialisation for an encoder trained from scratch.
// BERT draws the word, position and token-type tables alike (N(0, 0.02)) and sums them before the
// embedding LayerNorm, so at init two thirds of each token state's variance is a position or
// token-type row that every sentence shares; a pooled sentence vector is then mostly
// length-dependent noise. Measured on the AskUbuntu dev set with SIF pooling, the untrained tiny
// encoder scores 28.0 MAP while the same word vectors pooled alone score 34.5
// (scripts/experiments/layer-probe.ts). `words` starts the token-type row at zero (a constant
// added to every token, i.e. a bias: biases start at zero) and the position table 10× smaller, so a
// token's state starts as its word's vector; attention can still read positions and training can
// grow them. `ppmi` is `words` with the rows of the tokens the training pool holds set to PPMI-SVD
// vectors of the pool (ppmi.ts), at the random rows' mean norm: the word table starts from the
// pool's co-occurrence statistics instead of noise.
import type { BertModel, BertTokenizer } from '@jepa/nn';
import { ppmiSvd, tokenDocs } from './ppmi.ts';

export type EmbeddingInit = 'bert' | 'words' | 'ppmi';
export const EMBEDDING_INITS: readonly EmbeddingInit[] = ['bert', 'words', 'ppmi'];

/** What `ppmi` needs: the texts to count and how the encoder tokenizes them. */
export interface PoolStats {
  tokenizer: BertTokenizer;
  pool: readonly string[];
  maxTokens: number;
  /** Seeds the randomized SVD's probe vectors. */
  seed: number;
}

/** What an init did, for the run's log (null: nothing beyond the tables' own init). */
export interface EmbeddingInitReport {
  rows: number;
  pairs: number;
  nonzeros: number;
  seconds: number;
}
/** Scale of the position table under `words` (relative to BERT's init). */
export const WORDS_POSITION_SCALE = 0.1;

export async function applyEmbeddingInit(
  bert: BertModel,
  mode: EmbeddingInit,
  stats?: PoolStats,
): Promise<EmbeddingInitReport | null> {
  if (mode === 'bert') return null;
  if (mode !== 'words' && mode !== 'ppmi')
    throw new Error(`embeddingInit: expected ${EMBEDDING_INITS.join('|')}, got ${String(mode)}`);
  const e = bert.embeddings;
  const pos = e.positionEmbeddings.weight;
  const data = await pos.toArray();
  for (let i = 0; i < data.length; i++) data[i] *= WORDS_POSITION_SCALE;
  e.positionEmbeddings.loadStateDict(new Map([['weight', { shape: pos.shape, data }]]));
  const type = e.tokenTypeEmbeddings.weight;
  e.tokenTypeEmbeddings.loadStateDict(new Map([['weight', { shape: type.shape, data: new Float32Array(type.size) }]]));
  return mode === 'ppmi' ? ppmiWordRows(bert, stats) : null;
}

async function ppmiWordRows(bert: BertModel, stats: PoolStats | undefined): Promise<EmbeddingInitReport> {
  if (!stats) throw new Error('embeddingInit ppmi: needs the training pool and tokenizer (PoolStats), got none');
  const t0 = Date.now();
  const word = bert.embeddings.wordEmbeddings.weight;
  const [V, dim] = word.shape;
  if (stats.tokenizer.vocabSize !== V)
    throw new Error(
      `embeddingInit ppmi: the tokenizer has ${stats.tokenizer.vocabSize} tokens, the word table ${V} rows`,
    );
  const { ids, vectors, pairs, nonzeros } = ppmiSvd(
    tokenDocs(stats.tokenizer, stats.pool, stats.maxTokens),
    dim,
    stats.seed,
  );
  const table = await word.toArray();
  let norm = 0;
  for (let r = 0; r < V; r++) {
    let sq = 0;
    for (let c = 0; c < dim; c++) sq += table[r * dim + c] ** 2;
    norm += Math.sqrt(sq) / V;
  }
  let rows = 0;
  ids.forEach((id, i) => {
    const v = vectors.subarray(i * dim, (i + 1) * dim);
    if (!v.some((x) => x !== 0)) return; // no positive PMI: keep the random row
    for (let c = 0; c < dim; c++) table[id * dim + c] = v[c] * norm;
    rows++;
  });
  bert.embeddings.wordEmbeddings.loadStateDict(new Map([['weight', { shape: word.shape, data: table }]]));
  return { rows, pairs, nonzeros, seconds: (Date.now() - t0) / 1000 };
}
