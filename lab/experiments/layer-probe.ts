// Where is the retrieval signal? AskUbuntu dev MAP of the model's pooling applied to each layer's
// token states (0 = embedding output, L = last), to their sum with the embedding output, and to
// the word vectors alone (no position or token-type rows) through the embedding LayerNorm.
// usage: tsx lab/experiments/layer-probe.ts DIR|random-init [seed] [embedding init: bert|words|ppmi]
import {
  loadRerankJsonl,
  ASKUBUNTU_DEV_PATH,
  evaluateRerank,
  loadEncoder,
  randomEncoder,
  type SentenceEncoder,
} from '@jepa/jepa';
import { pool } from '@jepa/nn';
import { add, noGrad, tensor, tidyAsync, type Tensor } from '@jepa/tensor';

const [dir = 'random-init', seed = '1', embeddingInit = 'bert'] = process.argv.slice(2);
const enc: SentenceEncoder =
  dir === 'random-init'
    ? await randomEncoder('tiny', {
        pooling: 'sif',
        seed: Number(seed),
        maxTokens: 32,
        embeddingInit: embeddingInit as 'bert' | 'words' | 'ppmi',
      })
    : await loadEncoder(dir);
enc.bert.eval();
const L = enc.bert.encoder.layer.items.length;
const dev = await loadRerankJsonl(ASKUBUNTU_DEV_PATH);

function states(texts: string[]): { hs: Tensor[]; wm: Tensor } {
  const b = enc.tokenize(texts);
  const keyMask = b.mask;
  const e = enc.bert.embeddings;
  const hs = [e.forward(b.ids)];
  for (const l of enc.bert.encoder.layer.items) hs.push(l.forward(hs[hs.length - 1], keyMask));
  const w = enc.tokenWeights;
  const wm = w
    ? tensor(
        Float32Array.from(b.hostIds, (id, j) => (b.hostMask[j] ? w[id] : 0)),
        [b.batch, b.seqLen],
      )
    : b.mask;
  // The word vectors alone (no position / token-type rows), through the embedding LayerNorm.
  hs.push(e.layerNorm.forward(e.wordEmbeddings.forward(b.ids)));
  return { hs, wm };
}

const probes: [string, (hs: Tensor[]) => Tensor][] = [
  ...Array.from({ length: L + 1 }, (_, k): [string, (hs: Tensor[]) => Tensor] => [`layer ${k}`, (hs) => hs[k]]),
  [`layer 0 + layer ${L}`, (hs) => add(hs[0], hs[L])],
  ['words only', (hs) => hs[L + 1]],
];
const out: Record<string, number> = {};
for (const [name, pick] of probes) {
  const embed = async (texts: string[]) => {
    const res: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 256) {
      const chunk = texts.slice(i, i + 256);
      const flat = await tidyAsync(async () =>
        noGrad(() => {
          const { hs, wm } = states(chunk);
          return pool(pick(hs), wm, enc.pooling === 'sif' ? 'mean' : enc.pooling);
        }).toArray(),
      );
      const H = flat.length / chunk.length;
      for (let j = 0; j < chunk.length; j++) res.push(flat.slice(j * H, (j + 1) * H));
    }
    return res;
  };
  out[name] = +(await evaluateRerank(dev, embed)).map.toFixed(2);
}
console.log(JSON.stringify({ model: dir, pooling: enc.pooling, ...out }));
process.exit(0);
