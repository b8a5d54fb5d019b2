// Elementwise map over up to three strided, broadcast inputs into a contiguous output.
// Strides (0 for broadcast dims) and offsets travel in the uniform, so views and broadcasts
// never need a copy. A fast path serves the common all-contiguous, same-shape case.
import { Params, runtime, type Kernel } from '../runtime.ts';
import { ERF_WGSL, grid, gridMain, kernel, type Binding, type WgslType } from './common.ts';

export const MAX_RANK = 8;

export interface EwInput {
  buffer: GPUBuffer;
  dtype: WgslType;
  /** Element strides over the output's shape (0 where broadcast). */
  strides: readonly number[];
  offset: number;
}

export interface EwArgs {
  name: string;
  /** WGSL expression over `a`, `b`, `c` (the inputs' values) and `s0`..`s3` (f32 scalars). */
  expr: string;
  inputs: readonly EwInput[];
  out: GPUBuffer;
  outDtype: WgslType;
  shape: readonly number[];
  scalars?: readonly number[];
  /** Write into a strided view of `out` instead of its contiguous prefix (slice assignment). */
  outView?: { strides: readonly number[]; offset: number };
}

const NAMES = ['a', 'b', 'c'];

function isContiguousFull(inp: EwInput, shape: readonly number[]): boolean {
  if (inp.offset !== 0) return false;
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && inp.strides[d] !== s) return false;
    s *= shape[d];
  }
  return true;
}

/** Elements per invocation on the vec4 path. */
const VEC = 4;

/**
 * Contiguous inputs of 4-byte types with a length divisible by 4 take the vec4 path: each
 * invocation loads one vec4 per input and evaluates the (scalar) expression per lane. On
 * llvmpipe every storage access is a bounds-checked per-lane load, so 4 elements per access
 * more than halves the time of a bandwidth-bound op (see `pnpm bench`, row `add`).
 */
function vecOk(a: EwArgs, numel: number): boolean {
  const word = (t: WgslType) => t === 'f32' || t === 'i32' || t === 'u32';
  return numel % VEC === 0 && word(a.outDtype) && a.inputs.every((i) => word(i.dtype));
}

function vecBody(a: EwArgs): string {
  const loads = a.inputs.map((_, i) => `  let v${i} = in${i}[idx];`).join('\n');
  const lanes: string[] = [];
  for (let k = 0; k < VEC; k++) {
    const lets = a.inputs.map((_, i) => `let ${NAMES[i]} = v${i}[${k}];`).join(' ');
    lanes.push(`  { ${lets} r[${k}] = ${a.outDtype}(${a.expr}); }`);
  }
  return `${loads}\n  var r: vec4<${a.outDtype}>;\n${lanes.join('\n')}\n  outb[idx] = r;`;
}

function kernelFor(a: EwArgs, mode: 'vec4' | 'fast' | 'strided'): Kernel {
  const rank = a.shape.length;
  const n = a.inputs.length;
  const types = a.inputs.map((i) => i.dtype).join(',');
  const ov = !!a.outView;
  const fast = mode !== 'strided';
  const vec = mode === 'vec4';
  const key = `ew|${a.expr}|${types}|${a.outDtype}|${fast ? mode : `r${rank}`}${ov ? '|ov' : ''}`;
  const T = (t: string) => (vec ? `vec4<${t}>` : t);
  return kernel({
    name: `ew:${a.name}`,
    key,
    bindings: [...a.inputs.map((inp, i): Binding => [`in${i}`, T(inp.dtype)]), ['outb', T(a.outDtype), 'rw']],
    code: () => {
      let body = '';
      if (fast) {
        body = a.inputs.map((_, i) => `  let ${NAMES[i]} = in${i}[idx];`).join('\n');
      } else {
        body += `  var rem = idx;\n`;
        for (let i = 0; i < n; i++) body += `  var o${i} = p.off[${i}];\n`;
        if (ov) body += `  var oo = p.off[3];\n`;
        for (let d = rank - 1; d >= 0; d--) {
          body += `  { let dim = p.shape[${d >> 2}][${d & 3}]; let c = rem % dim; rem = rem / dim;\n`;
          for (let i = 0; i < n; i++) body += `    o${i} = o${i} + c * p.st${i}[${d >> 2}][${d & 3}];\n`;
          if (ov) body += `    oo = oo + c * p.sto[${d >> 2}][${d & 3}];\n`;
          body += `  }\n`;
        }
        body += a.inputs.map((_, i) => `  let ${NAMES[i]} = in${i}[o${i}];`).join('\n');
      }
      return `${ERF_WGSL}
struct P { n: u32, s0: f32, s1: f32, s2: f32, off: vec4<u32>, shape: array<vec4<u32>, 2>,
  st0: array<vec4<u32>, 2>, st1: array<vec4<u32>, 2>, st2: array<vec4<u32>, 2>, sto: array<vec4<u32>, 2> };
${gridMain()}
  if (idx >= p.n) { return; }
  let s0 = p.s0; let s1 = p.s1; let s2 = p.s2;
${vec ? vecBody(a) : `${body}\n  outb[${ov ? 'oo' : 'idx'}] = ${a.outDtype}(${a.expr});`}
}`;
    },
  });
}

export function elementwise(a: EwArgs): void {
  const rt = runtime();
  const rank = a.shape.length;
  if (rank > MAX_RANK) throw new Error(`${a.name}: rank ${rank} exceeds the supported maximum ${MAX_RANK}`);
  if (a.inputs.length > 3) throw new Error(`${a.name}: at most 3 inputs`);
  let numel = 1;
  for (const s of a.shape) numel *= s;
  if (numel === 0) return;
  const fast = !a.outView && a.inputs.every((i) => isContiguousFull(i, a.shape));
  const mode = !fast ? 'strided' : vecOk(a, numel) ? 'vec4' : 'fast';
  const threads = mode === 'vec4' ? numel / VEC : numel;
  const p = new Params().u32(threads);
  const sc = a.scalars ?? [];
  for (let i = 0; i < 3; i++) p.f32(sc[i] ?? 0);
  for (let i = 0; i < 3; i++) p.u32(a.inputs[i]?.offset ?? 0);
  p.u32(a.outView?.offset ?? 0);
  const pad8 = (xs: readonly number[]) => {
    for (let d = 0; d < 8; d++) p.u32(xs[d] ?? 1);
  };
  pad8(a.shape);
  for (let i = 0; i < 3; i++) {
    const st = a.inputs[i]?.strides ?? [];
    for (let d = 0; d < 8; d++) p.u32(st[d] ?? 0);
  }
  for (let d = 0; d < 8; d++) p.u32(a.outView?.strides[d] ?? 0);
  rt.dispatch({
    kernel: kernelFor(a, mode),
    buffers: [...a.inputs.map((i) => i.buffer), a.out],
    params: p,
    workgroups: grid(threads),
  });
}
