// One transformer block (HF BertLayer: attention, intermediate, output) and the stack of them.
import { gelu, type Tensor } from '@jepa/tensor';
import { Linear } from '../layers/linear.ts';
import { ModuleList } from '../layers/sequential.ts';
import { Module } from '../module.ts';
import { BertAttention, BertResidualOutput } from './attention.ts';
import type { BertConfig } from './config.ts';

export class BertIntermediate extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = this.registerModule(
      'dense',
      new Linear(config.hidden_size, config.intermediate_size, { std: config.initializer_range }),
    );
  }

  forward(x: Tensor): Tensor {
    return gelu(this.dense.forward(x));
  }
}

export class BertLayer extends Module {
  readonly attention: BertAttention;
  readonly intermediate: BertIntermediate;
  readonly output: BertResidualOutput;

  constructor(config: BertConfig) {
    super();
    this.attention = this.registerModule('attention', new BertAttention(config));
    this.intermediate = this.registerModule('intermediate', new BertIntermediate(config));
    this.output = this.registerModule('output', new BertResidualOutput(config, config.intermediate_size));
  }

  forward(x: Tensor, keyMask?: Tensor): Tensor {
    const a = this.attention.forward(x, keyMask);
    return this.output.forward(this.intermediate.forward(a), a);
  }
}

export class BertEncoder extends Module {
  readonly layer: ModuleList<BertLayer>;

  constructor(config: BertConfig) {
    super();
    const layers = Array.from({ length: config.num_hidden_layers }, () => new BertLayer(config));
    this.layer = this.registerModule('layer', new ModuleList(layers));
  }

  forward(x: Tensor, keyMask?: Tensor): Tensor {
    let h = x;
    for (const l of this.layer.items) h = l.forward(h, keyMask);
    return h;
  }
}
