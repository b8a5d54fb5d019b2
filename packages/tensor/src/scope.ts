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
//
// A tensor dropped without dispose() is only known to be garbage once the collector has run and
// called its finalizer, which happens when V8 chooses (often only under memory pressure, or never
// before exit). So leakedCount() cannot count a tensor that is unreachable but not yet collected:
// it counts the collected ones. The warning reports that same counter, once per collection (its
// finalizers arrive together), so the number it prints is leakedCount() at that moment.
// checkLeaks() forces a full collection where the runtime allows it (Node), waits for the
// finalizers and returns the count: the deterministic way to ask "did this code leak?".

interface Held {
  release: () => void;
  label: string;
}
let leaked = 0;
let reported = 0;
let lastReport = 0;
let latest = '';
let flushPending = false;

function report(force = false): void {
  flushPending = false;
  const now = Date.now();
  if (leaked === reported || env('JEPA_LEAK_WARN') === '0' || (!force && now - lastReport < 10_000)) return;
  lastReport = now;
  reported = leaked;
  console.warn(
    `[@jepa/tensor] ${leaked} GPU tensor(s) were garbage-collected without dispose() (latest: ${latest}); ` +
      `wrap step code in tidy() or call dispose().`,
  );
}

export const leakRegistry = new FinalizationRegistry<Held>((h) => {
  h.release();
  leaked++;
  latest = h.label;
  // One report for the whole collection: the other finalizers of this run come before the timer.
  if (!flushPending) {
    flushPending = true;
    const t = setTimeout(report, 0) as unknown as { unref?: () => void };
    t.unref?.(); // never keeps a finished process alive
  }
});

/**
 * Tensors freed by the garbage collector because they were dropped without dispose(), so far: the
 * number the "[@jepa/tensor] N GPU tensor(s) were garbage-collected" warning prints. A dropped tensor
 * is counted only after a collection has found it; `await checkLeaks()` runs one first.
 */
export function leakedCount(): number {
  return leaked;
}

/** A full collection now, where one can be asked for (Node; browsers collect when they choose). */
function forceGc(): boolean {
  const g = globalThis as { gc?: () => void; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof g.gc === 'function') {
    g.gc();
    return true;
  }
  // Node >= 20.16: the builtins without an import a browser bundler would try to resolve.
  const v8 = g.process?.getBuiltinModule?.('node:v8') as { setFlagsFromString(f: string): void } | undefined;
  const vm = g.process?.getBuiltinModule?.('node:vm') as { runInNewContext(code: string): unknown } | undefined;
  if (!v8 || !vm) return false;
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Collects garbage (where the runtime allows: Node), waits for the finalizers, reports any new
 * leaks (the warning, unless JEPA_LEAK_WARN=0) and returns leakedCount(). Tensors still referenced
 * are not leaks yet: drop your references (let the variables go out of scope) before asking.
 */
export async function checkLeaks(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    // Finalizers run in a task after the collection; a second round catches what the first freed.
    if (!forceGc()) break;
    await tick();
    await tick();
  }
  report(true);
  return leaked;
}
