// Shared WGSL pieces: kernels declared from one binding list, the 1-D grid that spans more than
// 65535 workgroups, and math helpers.
import type { Access, Kernel } from '../runtime.ts';

export const WG = 256;

/** A storage binding: its WGSL name, element type, and 'rw' when the kernel writes it. Falsy
 *  entries (a binding some configurations leave out) are skipped. */
export type Binding = readonly [name: string, type: string, rw?: 'rw'] | false | null | undefined;

export interface KernelSpec {
  name: string;
  /** The runtime compiles each key once: it must determine the code. */
  key: string;
  /** Storage buffers in dispatch order; the uniform `p: P` follows them. */
  bindings: readonly Binding[];
  /** A WGSL extension the code needs (`subgroups`), enabled before the declarations. */
  enable?: string;
  /** Everything but the binding declarations (struct P included). */
  code: () => string;
}

/** A kernel whose `@binding` declarations and `access` list both come from `bindings` (as tfjs
 *  derives them from variableNames), so the two cannot disagree. */
export function kernel(s: KernelSpec): Kernel {
  const list = s.bindings.filter((b): b is Exclude<Binding, false | null | undefined> => !!b);
  const access: Access[] = list.map(([, , rw]) => (rw ? 'rw' : 'read'));
  const decls = list.map(
    ([name, type, rw], i) =>
      `@group(0) @binding(${i}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<${type}>;`,
  );
  decls.push(`@group(0) @binding(${list.length}) var<uniform> p: P;`);
  return {
    name: s.name,
    key: s.key,
    access,
    uniform: true,
    code: () => `${s.enable ? `enable ${s.enable};\n` : ''}${decls.join('\n')}\n${s.code()}`,
  };
}

export interface GridKernelSpec extends Omit<KernelSpec, 'code'> {
  /** Fields of the uniform struct P. */
  params: string;
  /** Invocations past this count return at once (omit when the body guards itself). */
  count?: string;
  /** Workgroup size of the 1-D grid. */
  wg?: number;
  /** WGSL ahead of the struct (helper functions). */
  prelude?: string;
  /** The body after the guard, with `idx` the invocation's linear id. */
  body: () => string;
}

/** A kernel over a 1-D grid (see gridMain), declared from one binding list like kernel(). */
export function gridKernel(s: GridKernelSpec): Kernel {
  return kernel({
    ...s,
    code: () => `${s.prelude ?? ''}
struct P { ${s.params} };
${gridMain(s.wg)}
${s.count ? `  if (idx >= ${s.count}) { return; }\n` : ''}${s.body()}
}`,
  });
}

/** Workgroup counts for n invocations of `wg` threads, folded into 2-D past the per-dimension limit. */
export function grid(n: number, wg = WG, maxPerDim = 65535): [number, number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/** Entry-point header for a 1-D grid kernel; defines `idx` (the linear invocation id). */
export function gridMain(wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * ${wg}u;`;
}

/** `wgSum(v, lid)`: the sum of one `T` per invocation over a workgroup of `wg` (a power of two)
 *  by tree reduction in workgroup memory; every invocation must call it (barriers). */
export const wgSumWgsl = (T: string, wg: number): string => `
var<workgroup> sh: array<${T}, ${wg}>;
fn wgSum(v: ${T}, lid: u32) -> ${T} {
  sh[lid] = v;
  workgroupBarrier();
  for (var s = ${wg / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = sh[lid] + sh[lid + s]; }
    workgroupBarrier();
  }
  let r = sh[0];
  workgroupBarrier();
  return r;
}`;

/** One workgroup of `wg` invocations (`lid`) that sums a `T` per invocation with wgSum and
 *  writes scalars: the final step of a reduction. */
export function sumKernel(
  s: Omit<KernelSpec, 'code'> & { params: string; T: string; wg: number; body: () => string },
): Kernel {
  return kernel({
    ...s,
    code: () => `
struct P { ${s.params} };
${wgSumWgsl(s.T, s.wg)}
@compute @workgroup_size(${s.wg})
fn main(@builtin(local_invocation_id) lid3: vec3<u32>) {
  let lid = lid3.x;
${s.body()}
}`,
  });
}

/** erf with |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26); WGSL has no erf builtin. */
export const ERF_WGSL = `
fn erf_f(x: f32) -> f32 {
  let s = sign(x);
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return s * y;
}
fn gelu_f(x: f32) -> f32 { return 0.5 * x * (1.0 + erf_f(x * 0.7071067811865476)); }
fn gelu_grad_f(x: f32) -> f32 {
  let cdf = 0.5 * (1.0 + erf_f(x * 0.7071067811865476));
  let pdf = exp(-0.5 * x * x) * 0.3989422804014327;
  return cdf + x * pdf;
}
// pow for negative bases with integral exponents (WGSL's pow is undefined for x < 0).
fn pow_f(a: f32, b: f32) -> f32 {
  if (a >= 0.0) { return pow(a, b); }
  if (b == round(b)) {
    let p = pow(-a, b);
    return select(p, -p, (i32(b) & 1) != 0);
  }
  return sqrt(a); // NaN: a < 0 here
}
fn sigmoid_f(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tanh_f(x: f32) -> f32 {
  // WGSL tanh overflows to NaN for large |x| on some drivers; clamp first.
  return tanh(clamp(x, -15.0, 15.0));
}
`;

export type WgslType = 'f32' | 'i32' | 'u32';
