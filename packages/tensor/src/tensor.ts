// A tensor is a strided view (shape, strides, element offset) over ref-counted GPU storage.
import { BufferLimitError, hasRuntime, runtime, type Runtime } from '@jepa/kernels';
import { backward as runBackward, type GradNode } from './autograd.ts';
import * as ops from './ops/index.ts';
import { leakRegistry, track, untrack } from './scope.ts';
import { contiguousStrides, fmt, numel, type Shape } from './shape.ts';

export type DType = 'f32' | 'i32';

/** GPU memory shared by a tensor and its views; returned to the pool when the last one is disposed. */
export class Storage {
  refs = 0;
  released = false;
  /** The runtime that owns the buffer: after shutdown() (or a new init()) nothing goes back to a pool. */
  readonly owner: Runtime = runtime();
  constructor(
    readonly buffer: GPUBuffer,
    readonly bytes: number,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.owner.alive) this.owner.free(this.buffer);
  }
}

let nextId = 1;

export class Tensor {
  readonly __isTensor = true;
  readonly id = nextId++;
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  name: string | undefined;
  private _disposed = false;

  constructor(
    readonly storage: Storage,
    readonly shape: Shape,
    readonly strides: readonly number[],
    readonly offset: number,
    readonly dtype: DType,
  ) {
    storage.refs++;
    track(this);
    const st = storage;
    leakRegistry.register(
      this,
      { label: `${dtype}${fmt(shape)}`, release: () => --st.refs === 0 && st.release() },
      this,
    );
  }

  /** Allocate an uninitialised contiguous tensor; `what` names it in errors. */
  static empty(shape: Shape, dtype: DType = 'f32', what = 'tensor'): Tensor {
    const n = numel(shape);
    const bytes = Math.max(4, n * 4);
    let buffer: GPUBuffer;
    try {
      buffer = runtime().alloc(bytes, `${what} of shape ${fmt(shape)} (${dtype})`);
    } catch (e) {
      // Thrown afresh so the stack starts at the op; the class (and its sizes) kept for callers that name the option.
      if (e instanceof BufferLimitError) throw new BufferLimitError(e.what, e.bytes, e.limit);
      throw e;
    }
    return new Tensor(new Storage(buffer, bytes), [...shape], contiguousStrides(shape), 0, dtype);
  }

  get size(): number {
    return numel(this.shape);
  }
  get rank(): number {
    return this.shape.length;
  }
  get disposed(): boolean {
    return this._disposed;
  }
  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** Contiguous strides at any offset: one range of the storage, which a raw copy can address. */
  isDense(): boolean {
    let s = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if (this.shape[d] !== 1 && this.strides[d] !== s) return false;
      s *= this.shape[d];
    }
    return true;
  }

  /** Dense and starting at element 0 of its storage (what most kernels read). */
  isContiguous(): boolean {
    return this.offset === 0 && this.isDense();
  }

  /** A new view sharing storage (its own lifetime, same data). */
  view(shape: Shape, strides: readonly number[], offset = this.offset): Tensor {
    this.assertAlive('view');
    return new Tensor(this.storage, [...shape], [...strides], offset, this.dtype);
  }

  alias(): Tensor {
    const t = this.view(this.shape, this.strides);
    return t;
  }

  assertAlive(op: string): void {
    const what = () => `tensor${this.name ? ` "${this.name}"` : ''} ${this.dtype}${fmt(this.shape)} (id ${this.id})`;
    if (this._disposed) throw new Error(`${op}: ${what()} was disposed`);
    // Its buffer belongs to a device that shutdown() destroyed: Dawn would only say "invalid buffer".
    const owner = this.storage.owner;
    if (!owner.alive || (hasRuntime() && runtime() !== owner)) {
      throw new Error(
        `${op}: ${what()} was created before shutdown(); tensors do not outlive their GPU runtime, create it again after init()`,
      );
    }
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    leakRegistry.unregister(this);
    untrack(this);
    if (--this.storage.refs === 0) this.storage.release();
  }

  setName(name: string): this {
    this.name = name;
    return this;
  }

  requireGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  /** The same data, cut from the tape. */
  detach(): Tensor {
    return this.alias();
  }

  backward(grad?: Tensor): void {
    runBackward(this, grad);
  }

  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  private async readBytes(op: string): Promise<ArrayBuffer> {
    this.assertAlive(op);
    const src = this.isContiguous() ? this : ops.contiguous(this);
    try {
      return await runtime().read(src.buffer, 0, this.size * 4);
    } finally {
      if (src !== this) src.dispose();
    }
  }

  /** Read back (async) as float32 values (i32 tensors are converted). */
  async toArray(): Promise<Float32Array> {
    const bytes = await this.readBytes('toArray');
    return this.dtype === 'i32' ? Float32Array.from(new Int32Array(bytes)) : new Float32Array(bytes);
  }

  /** Read back (async) an i32 tensor's values. */
  async toInt32Array(): Promise<Int32Array> {
    if (this.dtype !== 'i32') throw new Error(`toInt32Array: tensor is ${this.dtype}; use toArray()`);
    return new Int32Array(await this.readBytes('toInt32Array'));
  }

  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${fmt(this.shape)} has ${this.size} elements, not 1`);
    return (await this.toArray())[0];
  }

  /** Nested arrays, like tf's arraySync but async. */
  async toNested(): Promise<unknown> {
    const flat = Array.from(await this.toArray());
    const build = (d: number, off: number): unknown => {
      if (d === this.shape.length) return flat[off];
      const stride = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, off + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${this.dtype}${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''}${this.name ? `, "${this.name}"` : ''})`;
  }

  // ---- fluent API: thin wrappers over the op functions (binary and unary ones below the class) ----
  clamp(lo: number, hi: number): Tensor {
    return ops.clamp(this, lo, hi);
  }
  sum(axes?: number | number[], keepdim = false): Tensor {
    return ops.sum(this, axes, keepdim);
  }
  mean(axes?: number | number[], keepdim = false): Tensor {
    return ops.mean(this, axes, keepdim);
  }
  max(axes?: number | number[], keepdim = false): Tensor {
    return ops.max(this, axes, keepdim);
  }
  min(axes?: number | number[], keepdim = false): Tensor {
    return ops.min(this, axes, keepdim);
  }
  var(axes?: number | number[], opts?: { unbiased?: boolean; keepdim?: boolean }): Tensor {
    return ops.variance(this, axes, opts);
  }
  matmul(o: Tensor): Tensor {
    return ops.matmul(this, o);
  }
  reshape(shape: number[]): Tensor {
    return ops.reshape(this, shape);
  }
  flatten(start = 0, end = -1): Tensor {
    return ops.flatten(this, start, end);
  }
  permute(dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  transpose(d0 = -2, d1 = -1): Tensor {
    return ops.transpose(this, d0, d1);
  }
  get T(): Tensor {
    return ops.transpose(this, -2, -1);
  }
  slice(axis: number, start: number, end?: number): Tensor {
    return ops.slice(this, axis, start, end);
  }
  expand(shape: number[]): Tensor {
    return ops.expand(this, shape);
  }
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  squeeze(axis?: number): Tensor {
    return ops.squeeze(this, axis);
  }
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }
  onesLike(): Tensor {
    return ops.full(this.shape, 1, this.dtype);
  }
  /** Overwrite this (dense) tensor's elements in place; see ops.assign. */
  assign(src: Tensor | Float32Array | Int32Array, what?: string): this {
    ops.assign(this, src, what);
    return this;
  }
  zeroInPlace(what?: string): this {
    ops.zeroInPlace(this, what);
    return this;
  }
  zerosLike(): Tensor {
    return ops.full(this.shape, 0, this.dtype);
  }
}

// The elementwise methods, from two tables: x.add(y) is add(x, y), x.exp() is exp(x).
const BINARY_METHODS = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
] as const;
const UNARY_METHODS = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'rsqrt',
  'abs',
  'square',
  'reciprocal',
  'relu',
  'gelu',
  'sigmoid',
  'tanh',
  'sin',
  'cos',
] as const;
export interface Tensor
  extends Record<(typeof BINARY_METHODS)[number], (o: Tensor | number) => Tensor>,
    Record<(typeof UNARY_METHODS)[number], () => Tensor> {}
for (const name of BINARY_METHODS)
  Tensor.prototype[name] = function (this: Tensor, o: Tensor | number) {
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: table-driven methods, installed once
    return ops[name](this, o);
  };
for (const name of UNARY_METHODS)
  Tensor.prototype[name] = function (this: Tensor) {
    // biome-ignore lint/performance/noDynamicNamespaceImportAccess: table-driven methods, installed once
    return ops[name](this);
  };
