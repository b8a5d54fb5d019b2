// Memory: tensors created inside tidy() are disposed when it returns, except those it returns or
// keep()s. Tensors garbage-collected without dispose() are freed and reported once in a while.
import type { Tensor } from './tensor.ts';
import { env } from '@jepa/kernels';

const scopes: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  scopes.at(-1)?.add(t);
}

export function untrack(t: Tensor): void {
  for (const s of scopes) s.delete(t);
}

/** Exempt tensors from every enclosing tidy() scope; returns its argument. */
export function keep<T extends Tensor>(t: T): T {
  untrack(t);
  return t;
}

function collect(v: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if ((v as { __isTensor?: boolean }).__isTensor) {
    out.add(v as Tensor);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, seen);
  else if (v instanceof Map) for (const x of v.values()) collect(x, out, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, seen);
}

function close(scope: Set<Tensor>, result: unknown): void {
  const kept = new Set<Tensor>();
  collect(result, kept);
  const i = scopes.lastIndexOf(scope);
  if (i >= 0) scopes.splice(i, 1);
  const parent = scopes.at(-1);
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else if (!t.disposed) t.dispose();
  }
}

/** Run fn; dispose every tensor it created that it does not return (in arrays/objects too). */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    close(scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    throw new Error('tidy(): fn returned a Promise; use tidyAsync() for async code');
  }
  close(scope, result);
  return result;
}

/** tidy() for async functions; do not interleave two tidyAsync scopes concurrently. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    close(scope, undefined);
    throw e;
  }
  close(scope, result);
  return result;
}

// ---- leak reporting ------------------------------------------------------------------------

interface Held {
  release: () => void;
  label: string;
}
let leaked = 0;
let lastReport = 0;
export const leakRegistry = new FinalizationRegistry<Held>((h) => {
  h.release();
  leaked++;
  const now = Date.now();
  if (env('JEPA_LEAK_WARN') !== '0' && now - lastReport > 10_000) {
    lastReport = now;
    console.warn(
      `[@jepa/tensor] ${leaked} GPU tensor(s) were garbage-collected without dispose() (latest: ${h.label}); ` +
        `wrap step code in tidy() or call dispose().`,
    );
  }
});

export function leakedCount(): number {
  return leaked;
}
