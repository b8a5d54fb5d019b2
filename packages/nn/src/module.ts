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
  /** "name: expected [a, b], got [c, d]" */
  mismatched: string[];
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

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
   * ({ shape, data }, e.g. a safetensors file's tensors). Strict mode throws naming the first
   * missing, unexpected or mis-shaped entry; otherwise the lists are returned.
   */
  loadStateDict(state: ReadonlyMap<string, TensorLike>, opts: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    state = splitShardedWeights(state, own);
    const res: LoadStateDictResult = { missing: [], unexpected: [], mismatched: [] };
    for (const name of own.keys()) if (!state.has(name)) res.missing.push(name);
    for (const [name, src] of state) {
      const dst = own.get(name);
      if (!dst) res.unexpected.push(name);
      else if (fmt(dst.shape) !== fmt(src.shape)) res.mismatched.push(`${name}: expected ${fmt(dst.shape)}, got ${fmt(src.shape)}`);
    }
    if (strict) {
      const problems = [
        ...res.missing.map((n) => `missing "${n}"`),
        ...res.unexpected.map((n) => `unexpected "${n}"`),
        ...res.mismatched.map((n) => `shape mismatch for ${n}`),
      ];
      if (problems.length) {
        const more = problems.length > 8 ? ` (+${problems.length - 8} more)` : '';
        throw new Error(`loadStateDict(${this.constructor.name}): ${problems.slice(0, 8).join('; ')}${more}`);
      }
    }
    const bad = new Set(res.mismatched.map((m) => m.slice(0, m.indexOf(':'))));
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
