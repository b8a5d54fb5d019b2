// Masked-LM head (HF BertOnlyMLMHead, saved under "cls."): transform = dense -> gelu -> LayerNorm,
// then a decoder tied to the word embeddings plus its own bias. The [tokens x vocab] logits of a
// whole batch would exceed the per-binding limit at BERT-base scale (4096 x 30522 x 4 B = 500 MB),
// so loss() takes only the masked positions and runs them in row chunks that fit.
import {
  add,
  contiguous,
  crossEntropy,
  gelu,
  indexSelect,
  linear,
  mul,
  reshape,
  rowsPerBinding,
  slice,
  tensor,
  type Tensor,
} from '@jepa/tensor';
import { zerosInit } from '../init.ts';
import { Embedding } from '../layers/embedding.ts';
import { LayerNorm } from '../layers/layernorm.ts';
import { Linear } from '../layers/linear.ts';
import { Module, type LoadStateDictOptions, type LoadStateDictResult } from '../module.ts';
import type { TensorLike } from '../state.ts';
import type { BertConfig } from './config.ts';
import { normaliseHfNames } from './hf.ts';

export class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly layerNorm: LayerNorm;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule(
      'dense',
      new Linear(config.hidden_size, config.hidden_size, { std: config.initializer_range }),
    );
    this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(config.hidden_size, config.layer_norm_eps));
  }

  forward(x: Tensor): Tensor {
    return this.layerNorm.forward(gelu(this.dense.forward(x)));
  }
}

/** HF BertLMPredictionHead: its decoder weight is the (unregistered) tied word embedding. */
export class BertLMPredictionHead extends Module {
  readonly transform: BertPredictionHeadTransform;

  constructor(config: BertConfig) {
    super();
    this.transform = this.registerModule('transform', new BertPredictionHeadTransform(config));
    this.registerParameter('bias', zerosInit([config.vocab_size]));
  }

  get bias(): Tensor {
    return this.param('bias');
  }
}

export class BertMLMHead extends Module {
  readonly predictions: BertLMPredictionHead;
  private readonly tied: () => Tensor;

  /**
   * `wordEmbeddings`: the model's word Embedding (or its weight), [vocab, H]. It is used, not
   * owned: it is not among this head's parameters, so an optimizer over model + head updates it once.
   */
  constructor(
    readonly config: BertConfig,
    wordEmbeddings: Embedding | Tensor,
  ) {
    super();
    this.tied = wordEmbeddings instanceof Embedding ? () => wordEmbeddings.weight : () => wordEmbeddings;
    const w = this.tied();
    if (w.rank !== 2 || w.shape[0] !== config.vocab_size || w.shape[1] !== config.hidden_size) {
      throw new Error(
        `BertMLMHead: word embeddings [${w.shape.join(', ')}] do not match vocab_size ${config.vocab_size} x hidden_size ${config.hidden_size}`,
      );
    }
    this.predictions = this.registerModule('predictions', new BertLMPredictionHead(config));
  }

  /** The tied decoder weight [vocab, H]. */
  get decoderWeight(): Tensor {
    return this.tied();
  }

  /** hidden [..., H] -> logits [..., vocab]. Keep the row count under maxRows(). */
  forward(hidden: Tensor): Tensor {
    return linear(this.predictions.transform.forward(hidden), this.tied(), this.predictions.bias);
  }

  /** Most logit rows that fit one storage binding. */
  maxRows(): number {
    return rowsPerBinding(this.config.vocab_size, 'BertMLMHead: one row of logits');
  }

  /**
   * Mean cross-entropy at the masked positions only. hidden [B, T, H] (or [N, H]); positions are
   * flat row indices into B*T; targets the original token ids (every one counted).
   */
  loss(
    hidden: Tensor,
    positions: Int32Array | Tensor,
    targets: Int32Array | Tensor,
    opts: { maxRows?: number } = {},
  ): Tensor {
    const H = this.config.hidden_size;
    const flat = hidden.rank === 2 ? hidden : reshape(hidden, [-1, H]);
    const M = positions instanceof Int32Array ? positions.length : positions.size;
    const tM = targets instanceof Int32Array ? targets.length : targets.size;
    if (M !== tM) throw new Error(`BertMLMHead.loss: ${M} positions but ${tM} targets`);
    if (M === 0) throw new Error('BertMLMHead.loss: no masked positions');
    const rows = Math.min(opts.maxRows ?? this.maxRows(), this.maxRows());
    const part = (x: Int32Array | Tensor, a: number, b: number): Tensor => {
      if (x instanceof Int32Array) return tensor(x.subarray(a, b), [b - a], 'i32');
      return a === 0 && b === M ? x : contiguous(slice(reshape(x, [M]), 0, a, b));
    };
    let total: Tensor | undefined;
    for (let a = 0; a < M; a += rows) {
      const b = Math.min(M, a + rows);
      const logits = this.forward(indexSelect(flat, 0, part(positions, a, b)));
      // Each chunk's mean, weighted by its share of the rows, sums to the overall mean.
      const ce = crossEntropy(logits, part(targets, a, b));
      const term = b - a === M ? ce : mul(ce, (b - a) / M);
      total = total ? add(total, term) : term;
    }
    return total!;
  }

  /** Accepts HF names ("cls." prefix); the tied decoder weight/bias entries are not loaded. */
  override loadStateDict(state: ReadonlyMap<string, TensorLike>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const isTied = (n: string) => n === 'predictions.decoder.weight' || n === 'predictions.decoder.bias';
    const { state: own, ignored } = normaliseHfNames(state, 'cls.', isTied);
    const res = super.loadStateDict(own, opts);
    return { ...res, unexpected: [...res.unexpected, ...ignored] };
  }
}
