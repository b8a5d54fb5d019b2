// Module: a tree of named parameters, buffers and submodules, with PyTorch/HF dotted names so state
// dicts interchange with Hugging Face checkpoints. Layers read their tensors through the module's
// maps rather than caching them, so a whole tree can be walked, saved and loaded by name.
import { keep, type Tensor } from '@jepa/tensor';
import { copyInto, isTensor, type HostTensor, type TensorLike } from './state.ts';

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
  return isTensor(t)
    ? t.dtype
    : ((t as { sourceDtype?: string }).sourceDtype ?? (t.data instanceof Int32Array ? 'I32' : 'F32'));
}

/** A load result as one line naming each problem (the first few of each kind, then a count). */
export function describeLoad(res: LoadStateDictResult, show = 6): string {
  const kind = (items: string[], what: string) =>
    items.length > show ? [...items.slice(0, show), `… (+${items.length - show} more ${what})`] : items;
  const parts = [
    ...kind(
      res.missing.map((n) => `missing "${n}"`),
      'missing',
    ),
    ...kind(
      res.unexpected.map((n) => `unexpected "${n}"`),
      'unexpected',
    ),
    ...kind(
      res.mismatched.map((m) => `${m.includes(': expected [') ? 'shape' : 'dtype'} mismatch for ${m}`),
      'mismatched',
    ),
  ];
  return parts.length ? parts.join('; ') : 'everything matched';
}

/*
 * Field registration. `this.fc1 = new Linear(4, 8)` registers fc1 as torch.nn.Module.__setattr__
 * does. Class fields (and constructor assignments) are defined after super() returns, so the base
 * constructor cannot see them. A Proxy returned from the constructor could, but it would sit on
 * every property read of every layer in the forward pass and break `#private` members; instead
 * the tree re-reads each module's own enumerable fields whenever it is walked (namedModules,
 * namedParameters, stateDict, ...). That is a few Object.keys() per module, and it also follows
 * a field reassigned after construction. What counts:
 *   - a Module: a child under the field's name;
 *   - an array whose elements are all Modules: a ModuleList child ("layers.0.weight", ...);
 *   - a leaf Tensor with requiresGrad set (`randn(..).requireGrad()`): a parameter, as
 *     nn.Parameter (other tensors are plain attributes, as in PyTorch; use registerBuffer for state
 *     that is saved but not trained).
 * Explicit registrations come first, in registration order, then fields in declaration order. A
 * field holding what is already registered here (`this.layerNorm = this.registerModule('LayerNorm',
 * ..)`) is that registration, not a second one. reference(x) marks a field value this module uses
 * but does not own (a module shared with another tree, e.g. tied weights).
 */
export class Module {
  /** True in training mode (dropout active, BatchNorm uses batch statistics). */
  training = true;
  private readonly _params = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();
  private readonly _refs = new Set<unknown>();
  /** Fields found by the last walk (see the comment above): rebuilt by discover(). */
  private _fieldParams = new Map<string, Tensor>();
  private _fieldModules = new Map<string, Module>();
  private readonly _fieldLists = new Map<string, ModuleList>();

  /** Own `t` as a trainable parameter (a leaf outside every tidy scope, requiresGrad set). */
  registerParameter(name: string, t: Tensor): Tensor {
    this.checkName(name, t);
    keep(t);
    t.requireGrad(true);
    this._params.set(name, t);
    return t;
  }

  /** Own `t` as state that is saved but not trained (e.g. BatchNorm running statistics). */
  registerBuffer(name: string, t: Tensor): Tensor {
    this.checkName(name, t);
    keep(t);
    this._buffers.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    if (!(m instanceof Module))
      throw new Error(`${this.constructor.name}.registerModule("${name}"): expected a Module, got ${describe(m)}`);
    this.checkName(name, m);
    this._modules.set(name, m);
    return m;
  }

  /**
   * Hold `x` (a module or tensor owned elsewhere, e.g. an encoder's layer a tied decoder reuses) in
   * a field without registering it here; returns its argument.
   */
  protected reference<T extends Module | Tensor>(x: T): T {
    this._refs.add(x);
    return x;
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
    this.discover();
    yield* this._modules.entries();
    yield* this._fieldModules.entries();
  }

  /** This module and every descendant, with dotted paths ('' for this one). */
  *namedModules(prefix = ''): IterableIterator<[string, Module]> {
    yield* this.walk(prefix, []);
  }

  private *walk(prefix: string, ancestors: Module[]): IterableIterator<[string, Module]> {
    if (ancestors.includes(this)) {
      throw new Error(
        `${this.constructor.name}: module "${prefix}" contains itself (a field pointing back up the tree? hold it with reference())`,
      );
    }
    this.discover(); // before the yield: a caller reads this module's field parameters then
    yield [prefix, this];
    const up = [...ancestors, this];
    for (const [n, m] of [...this._modules, ...this._fieldModules]) yield* m.walk(prefix ? `${prefix}.${n}` : n, up);
  }

  /** Parameters with HF-style dotted names; a tensor shared by two modules is listed once. */
  namedParameters(): [string, Tensor][] {
    return this.collect((m) => [...m._params, ...m._fieldParams]);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(): [string, Tensor][] {
    return this.collect((m) => m._buffers);
  }

  private collect(pick: (m: Module) => Iterable<[string, Tensor]>): [string, Tensor][] {
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
   * Copy values into the existing parameter/buffer storage. `state` (a Map or a plain object by
   * name) holds GPU tensors or host arrays ({ shape, data }, e.g. a safetensors file's tensors). An
   * entry matches when its name, shape and kind (float or integer) do. Strict mode (the default)
   * throws listing every missing, unexpected and mismatched entry and loads nothing; otherwise the
   * matching entries load and the lists are returned (see describeLoad).
   */
  loadStateDict(
    state: ReadonlyMap<string, TensorLike> | Readonly<Record<string, TensorLike>>,
    opts: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    state = splitShardedWeights(asStateMap(state, `loadStateDict(${this.constructor.name})`), own);
    const res: LoadStateDictResult = { missing: [], unexpected: [], mismatched: [] };
    const bad = new Set<string>();
    for (const name of own.keys()) if (!state.has(name)) res.missing.push(name);
    for (const [name, src] of state) {
      const dst = own.get(name);
      if (!dst) {
        res.unexpected.push(name);
        continue;
      }
      const why =
        fmt(dst.shape) !== fmt(src.shape)
          ? `expected ${fmt(dst.shape)}, got ${fmt(src.shape)}`
          : kindOf(src) !== (dst.dtype === 'i32' ? 'int' : 'float')
            ? `expected ${dst.dtype === 'i32' ? 'an integer' : 'a float'} tensor, got ${dtypeName(src)}`
            : null;
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

  /** Rebuild the field registrations from this module's own enumerable properties. */
  private discover(): void {
    const params = new Map<string, Tensor>();
    const modules = new Map<string, Module>();
    const where = (key: string) => `${this.constructor.name}: field "${key}"`;
    for (const key of Object.keys(this)) {
      if (INTERNAL.has(key)) continue;
      const v = (this as Record<string, unknown>)[key];
      if (typeof v !== 'object' || v === null || this._refs.has(v)) continue;
      if (v instanceof Module) {
        if (v === this) throw new Error(`${where(key)} holds the module itself`);
        if (this.isRegistered(key, v)) continue;
        modules.set(key, v);
      } else if (isTensor(v)) {
        if (!v.requiresGrad || v.node || this.isRegistered(key, v)) continue; // plain attribute, as in PyTorch
        if (v.disposed) {
          throw new Error(
            `${where(key)} holds a disposed parameter ${v.dtype}${fmt(v.shape)} (created inside tidy()? build modules outside it, or keep() the tensor)`,
          );
        }
        keep(v);
        params.set(key, v);
      } else if (Array.isArray(v)) {
        const list = this.fieldList(key, v);
        if (list) modules.set(key, list);
      } else if (v instanceof Map || Object.getPrototypeOf(v) === Object.prototype) {
        const vals: unknown[] = v instanceof Map ? [...v.values()] : Object.values(v);
        if (vals.some((x) => x instanceof Module && !this._refs.has(x))) {
          throw new Error(
            `${where(key)} is ${v instanceof Map ? 'a Map' : 'an object'} holding modules, which is not registered; use an array (a ModuleList) or registerModule() each`,
          );
        }
      }
    }
    this._fieldParams = params;
    this._fieldModules = modules;
  }

  /** True when `v` is already registered here (then the field is that registration); throws on a clash. */
  private isRegistered(key: string, v: Module | Tensor): boolean {
    const clash = this._params.get(key) ?? this._buffers.get(key) ?? this._modules.get(key);
    if (clash !== undefined && clash !== v) {
      throw new Error(
        `${this.constructor.name}: "${key}" is both a field (${describe(v)}) and a registered ${this._modules.has(key) ? 'module' : this._params.has(key) ? 'parameter' : 'buffer'} (${describe(clash)}); one name, one thing`,
      );
    }
    if (clash === v) return true;
    for (const map of [this._params, this._buffers, this._modules] as Map<string, unknown>[]) {
      for (const x of map.values()) if (x === v) return true;
    }
    return false;
  }

  /** An array field as a ModuleList (cached while its elements stay the same), or null if not one. */
  private fieldList(key: string, arr: unknown[]): ModuleList | null {
    const where = `${this.constructor.name}: field "${key}"`;
    const mods = arr.filter((x): x is Module => x instanceof Module && !this._refs.has(x));
    if (mods.length === 0) {
      if (arr.some((x) => isTensor(x) && x.requiresGrad && !x.node)) {
        throw new Error(
          `${where} is an array of parameters, which is not registered; registerParameter() each or hold them in modules`,
        );
      }
      return null;
    }
    if (mods.length !== arr.length) {
      throw new Error(
        `${where} mixes modules with other values (${arr
          .filter((x) => !(x instanceof Module))
          .map(describe)
          .slice(0, 3)
          .join(', ')}); an array of modules is registered as a ModuleList, so hold only modules in it`,
      );
    }
    const known = mods.filter((m) => this.isRegistered(key, m)).length;
    if (known === mods.length) return null; // e.g. Sequential.layers: its elements are registered "0", "1", ...
    if (known > 0)
      throw new Error(
        `${where} holds ${known} of its ${mods.length} modules registered under other names; register all or none`,
      );
    const cached = this._fieldLists.get(key);
    if (cached && cached.items.length === mods.length && cached.items.every((m, i) => m === mods[i])) return cached;
    const list = new ModuleList(mods);
    list.training = this.training;
    this._fieldLists.set(key, list);
    return list;
  }

  private checkName(name: string, v: unknown): void {
    if (!name || name.includes('.'))
      throw new Error(`${this.constructor.name}: invalid name "${name}" (non-empty, no dots)`);
    if (this._params.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new Error(`${this.constructor.name}: "${name}" is already registered`);
    }
    const field = Object.getOwnPropertyDescriptor(this, name)?.value as unknown;
    if (field !== v && (field instanceof Module || (isTensor(field) && field.requiresGrad && !field.node))) {
      throw new Error(
        `${this.constructor.name}: "${name}" is already a field holding ${describe(field)}; registering ${describe(v)} under the same name is ambiguous`,
      );
    }
  }
}

/** Children named "0", "1", ... with no forward of their own (torch.nn.ModuleList). */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    items.forEach((m, i) => this.registerModule(String(i), m));
    this.items = items;
  }

  get length(): number {
    return this.items.length;
  }
}

/** Module's own bookkeeping fields, never registrations. */
const INTERNAL = new Set([
  'training',
  '_params',
  '_buffers',
  '_modules',
  '_refs',
  '_fieldParams',
  '_fieldModules',
  '_fieldLists',
]);

function describe(v: unknown): string {
  if (v instanceof Module) return `a ${v.constructor.name}`;
  if (isTensor(v)) return `a tensor ${v.dtype}${fmt(v.shape)}`;
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : `${typeof v} ${JSON.stringify(v)}`;
}

/** A state dict as a Map, from a Map or a plain object by name; anything else is an error. */
function asStateMap(state: unknown, op: string): ReadonlyMap<string, TensorLike> {
  const entries: [string, unknown][] | null =
    state instanceof Map
      ? [...state.entries()]
      : typeof state === 'object' && state !== null && !Array.isArray(state) && !isTensor(state)
        ? Object.entries(state)
        : null;
  if (!entries) throw new Error(`${op}: expected a Map or an object of tensors by name, got ${describe(state)}`);
  for (const [n, t] of entries) {
    const host =
      typeof t === 'object' &&
      t !== null &&
      Array.isArray((t as HostTensor).shape) &&
      ((t as HostTensor).data instanceof Float32Array || (t as HostTensor).data instanceof Int32Array);
    if (!isTensor(t) && !host) throw new Error(`${op}: "${n}" is ${describe(t)}, not a tensor or { shape, data }`);
  }
  return state instanceof Map ? (state as ReadonlyMap<string, TensorLike>) : new Map(entries as [string, TensorLike][]);
}

/** A module with a single-tensor forward, composable in Sequential. */
export interface Layer extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * A whole host weight ("3.weight" [out, in], as PyTorch saves it) for a layer that holds it in row
 * blocks ("3.weight_shard0", ...; see Linear) is split into those blocks, so official checkpoints load.
 */
function splitShardedWeights(
  state: ReadonlyMap<string, TensorLike>,
  own: ReadonlyMap<string, Tensor>,
): ReadonlyMap<string, TensorLike> {
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
      out!.set(`${name}_shard${j}`, {
        shape: [...b.shape],
        data: src.data.subarray(r * cols, (r + b.shape[0]) * cols),
      });
      r += b.shape[0];
    });
  }
  return out ?? state;
}
