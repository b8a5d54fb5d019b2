// Modules registered from their fields, as torch.nn.Module.__setattr__ does, and the errors where
// a registration would be ambiguous.
import '../../../test/gpu.ts';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, manualSeed, randn, relu, tensor, tidy, zeros, type Tensor } from '@jepa/tensor';
import { expectClose } from '../../tensor/test/helpers.ts';
import {
  AdamW,
  bertConfig,
  BertDecoder,
  BertModel,
  Linear,
  LayerNorm,
  loadSafetensorsFile,
  Module,
  ModuleList,
  saveSafetensorsFile,
  Sequential,
} from '../src/index.ts';
import { hfNames } from './helpers.ts';

class MLP extends Module {
  fc1 = new Linear(4, 8);
  act = 'relu';
  layers = [new Linear(8, 8), new Linear(8, 8)];
  scale = randn([8]).requireGrad();
  notAParam = zeros([3]); // a plain attribute, as in PyTorch
  fc2: Linear;
  constructor() {
    super();
    this.fc2 = new Linear(8, 3);
  }
  forward(x: Tensor): Tensor {
    let h = relu(this.fc1.forward(x));
    for (const l of this.layers) h = relu(l.forward(h)).mul(this.scale);
    return this.fc2.forward(h);
  }
}

describe('Module fields', () => {
  it('registers modules, arrays of modules and parameter tensors under their field names, in declaration order', () => {
    const m = new MLP();
    expect(m.namedParameters().map(([n, t]) => `${n}:${t.shape.join('x')}`)).toEqual([
      'scale:8',
      'fc1.weight:8x4',
      'fc1.bias:8',
      'layers.0.weight:8x8',
      'layers.0.bias:8',
      'layers.1.weight:8x8',
      'layers.1.bias:8',
      'fc2.weight:3x8',
      'fc2.bias:3',
    ]);
    expect([...m.namedModules()].map(([n]) => n)).toEqual(['', 'fc1', 'layers', 'layers.0', 'layers.1', 'fc2']);
    expect(m.layers[0].weight).toBe(m.stateDict().get('layers.0.weight'));
    expect(m.eval().layers[1].training).toBe(false);
    m.dispose();
  });

  it('trains with AdamW (the issue: parameters() was empty)', async () => {
    manualSeed(5);
    const m = new MLP();
    const opt = new AdamW(m.parameters(), { lr: 1e-2 });
    const x = tensor(
      Float32Array.from({ length: 16 }, (_, i) => Math.sin(i)),
      [4, 4],
    );
    const loss = () => add(m.forward(x), -1).square().mean();
    const lossAt = () => tidy(loss);
    const first = await lossAt().item();
    for (let i = 0; i < 20; i++) {
      tidy(() => {
        opt.zeroGrad();
        loss().backward();
        opt.step();
      });
    }
    expect(await lossAt().item()).toBeLessThan(first * 0.5);
    x.dispose();
    opt.dispose();
    m.dispose();
  });

  it('a field reassigned after construction is followed', () => {
    const m = new MLP();
    const old = m.fc2;
    m.fc2 = new Linear(8, 5);
    expect(m.stateDict().get('fc2.weight')!.shape).toEqual([5, 8]);
    old.dispose();
    m.dispose();
  });

  it('mixes with registerModule: an alias field is the same registration; BERT names are unchanged', () => {
    class Mixed extends Module {
      readonly layerNorm: LayerNorm;
      head = new Linear(2, 2);
      constructor() {
        super();
        this.layerNorm = this.registerModule('LayerNorm', new LayerNorm(2));
      }
    }
    const m = new Mixed();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'LayerNorm.weight',
      'LayerNorm.bias',
      'head.weight',
      'head.bias',
    ]);
    m.dispose();
    const bert = new BertModel(bertConfig('tiny', smallBert));
    expect(bert.namedParameters().map(([n]) => n)).toEqual(hfNames(2));
    // A tied decoder holds the encoder's modules by reference(): its own names only.
    const dec = new BertDecoder(bert, { tie: 'all' });
    const names = dec.namedParameters().map(([n]) => n);
    expect(
      names.some((n) => n.includes('word_embeddings') || n.includes('.attention.self.') || n.includes('intermediate')),
    ).toBe(false);
    expect(names).toContain('bert.encoder.layer.0.crossattention.self.query.weight');
    const seq = new Sequential(new Linear(2, 2));
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    const list = new ModuleList([new Linear(2, 2)]);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    for (const x of [dec, bert, seq, list]) x.dispose();
  });

  it('names what is ambiguous', () => {
    class Clash extends Module {
      fc = new Linear(2, 2);
    }
    const c = new Clash();
    expect(() => c.registerModule('fc', new Linear(2, 2))).toThrow(/Clash: "fc" is already a field holding a Linear/);
    class Clash2 extends Module {
      fc: Linear;
      constructor() {
        super();
        this.registerModule('fc', new Linear(2, 2));
        this.fc = new Linear(2, 2);
      }
    }
    expect(() => new Clash2().parameters()).toThrow(
      /Clash2: "fc" is both a field \(a Linear\) and a registered module \(a Linear\)/,
    );
    class Mixed extends Module {
      stuff: unknown[] = [new Linear(2, 2), 3];
    }
    expect(() => new Mixed().parameters()).toThrow(/Mixed: field "stuff" mixes modules with other values \(number 3\)/);
    class Obj extends Module {
      heads = { a: new Linear(2, 2) };
    }
    expect(() => new Obj().parameters()).toThrow(/Obj: field "heads" is an object holding modules/);
    class Loop extends Module {
      self: Module = this;
    }
    expect(() => new Loop().parameters()).toThrow(/Loop: field "self" holds the module itself/);
    class Up extends Module {
      child = new Child(this);
    }
    class Child extends Module {
      constructor(readonly parent: Module) {
        super();
      }
    }
    expect(() => new Up().parameters()).toThrow(/contains itself/);
    class Disposed extends Module {
      w = randn([2]).requireGrad();
      constructor() {
        super();
        this.w.dispose(); // as a tidy() around the constructor would
      }
    }
    expect(() => new Disposed().parameters()).toThrow(/Disposed: field "w" holds a disposed parameter f32\[2\]/);
  });

  it('saves with saveSafetensorsFile(path, stateDict()) and reloads into a fresh instance with identical outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fields-'));
    try {
      manualSeed(1);
      const a = new MLP();
      const path = join(dir, 'mlp.safetensors');
      await saveSafetensorsFile(path, a.stateDict());
      const file = await loadSafetensorsFile(path);
      expect([...file.tensors.keys()].sort()).toEqual(
        a
          .namedParameters()
          .map(([n]) => n)
          .sort(),
      );
      manualSeed(2);
      const b = new MLP();
      b.loadStateDict(file.tensors);
      const x = tensor(
        Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.8),
        [3, 4],
      );
      const ya = await tidy(() => a.forward(x)).toArray();
      const yb = await tidy(() => b.forward(x)).toArray();
      expectClose(yb, ya, 0, 0, 'reloaded output');
      // A plain object by name loads too.
      b.loadStateDict(Object.fromEntries(file.tensors));
      // Anything else is an error naming it, never an empty file.
      await expect(saveSafetensorsFile(join(dir, 'e.safetensors'), new Map())).rejects.toThrow(
        /nothing to write: an empty Map/,
      );
      await expect(saveSafetensorsFile(join(dir, 'e.safetensors'), [1, 2] as never)).rejects.toThrow(
        /item 0 is number 1, not a \{ name, shape, data \}/,
      );
      await expect(saveSafetensorsFile(join(dir, 'e.safetensors'), a as never)).rejects.toThrow(
        /got a MLP; pass model.stateDict\(\)/,
      );
      await expect(readFile(join(dir, 'e.safetensors'))).rejects.toThrow(/ENOENT/);
      expect(() => b.loadStateDict(42 as never)).toThrow(
        /loadStateDict\(MLP\): expected a Map or an object of tensors by name, got number 42/,
      );
      for (const t of [x, ...[a, b].flatMap((m) => [m.notAParam])]) t.dispose();
      a.dispose();
      b.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const smallBert = {
  vocab_size: 30,
  hidden_size: 8,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 16,
  max_position_embeddings: 16,
  type_vocab_size: 2,
};
