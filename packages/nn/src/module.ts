// Module: a tree of named parameters, buffers and submodules, with PyTorch/HF dotted names so state
// dicts interchange with Hugging Face checkpoints. Layers read their tensors through the module's
// maps rather than caching them, so a whole tree can be walked, saved and loaded by name.
import { keep, type Tensor } from '@jepa/tensor';
import { copyInto, isTensor, type TensorLike } from './state.ts';

export interface LoadStateDictOptions {
  /** Throw on missing, unexpected or mis-shaped entries (default true). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missing: string[];
  unexpected: string[];
  /** "name: expected [a, b], got [c, d]" or "name: expected a float tensor, got I32" */
  mismatched: string[];
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function kindOf(t: TensorLike): 'int' | 'float' {
  return (isTensor(t) ? t.dtype === 'i32' : t.data instanceof Int32Array) ? 'int' : 'float';
}

function dtypeName(t: TensorLike): string {
  return isTensor(t) ? t.dtype : ((t as { sourceDtype?: string }).sourceDtype ?? (t.data instanceof Int32Array ? 'I32' : 'F32'));
}

/** A load result as one line naming each problem (the first few of each kind, then a count). */
export function describeLoad(res: LoadStateDictResult, show = 6): string {
  const kind = (items: string[], what: string) =>
    items.length > show ? [...items.slice(0, show), `… (+${items.length - show} more ${what})`] : items;
  const parts = [
    ...kind(res.missing.map((n) => `missing "${n}"`), 'missing'),
    ...kind(res.unexpected.map((n) => `unexpected "${n}"`), 'unexpected'),
    ...kind(res.mismatched.map((m) => `${m.includes(': expected [') ? 'shape' : 'dtype'} mismatch for ${m}`), 'mismatched'),
  ];
  return parts.length ? parts.join('; ') : 'everything matched';
}

export class Module {
  /** True in training mode (dropout active, BatchNorm uses batch statistics). */
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();

  /** Own `t` as a trainable parameter (a leaf outside every tidy scope, requiresGrad set). */
  registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name);
    keep(t);
    t.requireGrad(true);
    this._params.set(name, t);
    return t;
  }

  /** Own `t` as state that is saved but not trained (e.g. BatchNorm running statistics). */
  registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name);
    keep(t);
    this._buffers.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.checkName(name);
    this._modules.set(name, m);
    return m;
  }

  /** A registered parameter by local name (layers use this instead of caching the tensor). */
  protected param(name: string): Tensor {
    const t = this._params.get(name);
    if (!t) throw new Error(`${this.constructor.name}: no parameter "${name}"`);
    return t;
  }

  protected optionalParam(name: string): Tensor | undefined {
    return this._params.get(name);
  }

  protected buffer(name: string): Tensor {
    const t = this._buffers.get(name);
    if (!t) throw new Error(`${this.constructor.name}: no buffer "${name}"`);
    return t;
  }

  *children(): IterableIterator<[string, Module]> {
    yield* this._modules.entries();
  }

  /** This module and every descendant, with dotted paths ('' for this one). */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield [prefix, this];
    for (const [n, m] of this._modules) yield* m.namedModules(prefix ? `${prefix}.${n}` : n);
  }

  /** Parameters with HF-style dotted names; a tensor shared by two modules is listed once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => m._params);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m._buffers);
  }

  private collect(pick: (m: Module) => Map<string, Tensor>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [n, t] of pick(m)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([path ? `${path}.${n}` : n, t]);
      }
    }
    return out;
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name. The tensors are the live ones: do not dispose them. */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copy values into the existing parameter/buffer storage. `state` holds GPU tensors or host arrays
   * ({ shape, data }, e.g. a safetensors file's tensors). An entry matches when its name, shape and
   * kind (float or integer) do. Strict mode (the default) throws listing every missing, unexpected
   * and mismatched entry and loads nothing; otherwise the matching entries load and the lists are
   * returned (see describeLoad).
   */
  loadStateDict(state: ReadonlyMap<string, TensorLike>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    state = splitShardedWeights(state, own);
    const res: LoadStateDictResult = { missing: [], unexpected: [], mismatched: [] };
    const bad = new Set<string>();
    for (const name of own.keys()) if (!state.has(name)) res.missing.push(name);
    for (const [name, src] of state) {
      const dst = own.get(name);
      if (!dst) {
        res.unexpected.push(name);
        continue;
      }
      const why = fmt(dst.shape) !== fmt(src.shape)
        ? `expected ${fmt(dst.shape)}, got ${fmt(src.shape)}`
        : kindOf(src) !== (dst.dtype === 'i32' ? 'int' : 'float') ? `expected ${dst.dtype === 'i32' ? 'an integer' : 'a float'} tensor, got ${dtypeName(src)}` : null;
      if (why) {
        res.mismatched.push(`${name}: ${why}`);
        bad.add(name);
      }
    }
    if (strict && (res.missing.length || res.unexpected.length || res.mismatched.length)) {
      throw new Error(`loadStateDict(${this.constructor.name}): ${describeLoad(res)}`);
    }
    for (const [name, src] of state) {
      const dst = own.get(name);
      if (dst && !bad.has(name)) copyInto(dst, src, name);
    }
    return res;
  }

  /** Drop every gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Free all parameters, buffers and gradients of this module tree. */
  dispose(): void {
    for (const [, t] of [...this.namedParameters(), ...this.namedBuffers()]) {
      t.zeroGrad();
      t.dispose();
    }
  }

  private checkName(name: string): void {
    if (!name || name.includes('.')) throw new Error(`${this.constructor.name}: invalid name "${name}" (non-empty, no dots)`);
    if (this._params.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is already registered`);
    }
  }
}

/** A module with a single-tensor forward, composable in Sequential. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * A whole host weight ("3.weight" [out, in], as PyTorch saves it) for a layer that holds it in row
 * blocks ("3.weight_shard0", ...; see Linear) is split into those blocks, so official checkpoints load.
 */
function splitShardedWeights(state: ReadonlyMap<string, TensorLike>, own: ReadonlyMap<string, Tensor>): ReadonlyMap<string, TensorLike> {
  let out: Map<string, TensorLike> | null = null;
  for (const [name, src] of state) {
    if (own.has(name) || !own.has(`${name}_shard0`) || isTensor(src) || src.shape.length !== 2) continue;
    const blocks: Tensor[] = [];
    for (let j = 0; own.has(`${name}_shard${j}`); j++) blocks.push(own.get(`${name}_shard${j}`)!);
    const rows = blocks.reduce((n, b) => n + b.shape[0], 0);
    if (src.shape[0] !== rows || src.shape[1] !== blocks[0].shape[1]) continue; // reported as unexpected
    out ??= new Map(state);
    out.delete(name);
    let r = 0;
    blocks.forEach((b, j) => {
      const cols = src.shape[1];
      out!.set(`${name}_shard${j}`, { shape: [...b.shape], data: src.data.subarray(r * cols, (r + b.shape[0]) * cols) });
      r += b.shape[0];
    });
  }
  return out ?? state;
}
