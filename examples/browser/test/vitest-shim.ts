// The part of vitest's API our kernel and op suites use (describe/it/hooks/expect), so the suites run
// unchanged inside a browser page: the test bundles alias `vitest` to this module. Each suite file is
// its own page, as each is its own process under vitest.

type Fn = () => unknown | Promise<unknown>;
interface TestCase {
  name: string;
  fn: Fn;
  skip: boolean;
}
interface Suite {
  name: string;
  tests: TestCase[];
  suites: Suite[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}

const root: Suite = newSuite('');
let current = root;

function newSuite(name: string): Suite {
  return { name, tests: [], suites: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

export function describe(name: string, body: () => void): void {
  const s = newSuite(name);
  current.suites.push(s);
  const parent = current;
  current = s;
  try {
    body();
  } finally {
    current = parent;
  }
}

function addTest(name: string, fn: Fn, skip = false): void {
  current.tests.push({ name, fn, skip });
}
export const it = Object.assign((name: string, fn: Fn, _timeout?: number) => addTest(name, fn), {
  skip: (name: string, fn: Fn) => addTest(name, fn, true),
  skipIf: (cond: boolean) => (name: string, fn: Fn) => addTest(name, fn, cond),
});
export const test = it;
export const beforeAll = (f: Fn): void => void current.beforeAll.push(f);
export const afterAll = (f: Fn): void => void current.afterAll.push(f);
export const beforeEach = (f: Fn): void => void current.beforeEach.push(f);
export const afterEach = (f: Fn): void => void current.afterEach.push(f);

// ---- expect ----

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}[${Array.from(v as unknown as ArrayLike<number>)
      .slice(0, 8)
      .join(', ')}${(v as unknown as ArrayLike<number>).length > 8 ? ', …' : ''}]`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** vitest's toEqual: recursive, undefined properties ignored, typed arrays by class and elements. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>,
      y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i]) && x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    return a.length === y.length && a.every((v, i) => deepEqual(v, y[i]));
  }
  if (a instanceof Map && b instanceof Map) {
    return a.size === b.size && [...a].every(([k, v]) => b.has(k) && deepEqual(v, b.get(k)));
  }
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((v) => b.has(v));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function thrownMatches(err: unknown, want?: string | RegExp | (new (...a: never[]) => Error)): boolean {
  if (want === undefined) return true;
  const msg = err instanceof Error ? err.message : String(err);
  if (typeof want === 'string') return msg.includes(want);
  if (want instanceof RegExp) return want.test(msg);
  return err instanceof want;
}

interface Matchers {
  toBe(v: unknown): void;
  toEqual(v: unknown): void;
  toStrictEqual(v: unknown): void;
  toBeCloseTo(v: number, digits?: number): void;
  toBeGreaterThan(v: number): void;
  toBeGreaterThanOrEqual(v: number): void;
  toBeLessThan(v: number): void;
  toBeLessThanOrEqual(v: number): void;
  toBeNaN(): void;
  toBeNull(): void;
  toBeUndefined(): void;
  toBeDefined(): void;
  toBeTruthy(): void;
  toBeFalsy(): void;
  toContain(v: unknown): void;
  toHaveLength(n: number): void;
  toMatch(re: RegExp | string): void;
  toBeInstanceOf(c: new (...a: never[]) => unknown): void;
  toThrow(want?: string | RegExp | (new (...a: never[]) => Error)): void;
}

function matchers(actual: unknown, negate: boolean): Matchers {
  const check = (ok: boolean, what: string): void => {
    if (ok === negate) throw new Error(`expected ${show(actual)} ${negate ? 'not ' : ''}${what}`);
  };
  return {
    toBe: (v) => check(Object.is(actual, v), `to be ${show(v)}`),
    toEqual: (v) => check(deepEqual(actual, v), `to equal ${show(v)}`),
    toStrictEqual: (v) => check(deepEqual(actual, v), `to strictly equal ${show(v)}`),
    toBeCloseTo: (v, digits = 2) => {
      const a = actual as number;
      const ok =
        (a === Infinity && v === Infinity) ||
        (a === -Infinity && v === -Infinity) ||
        Math.abs(v - a) < 10 ** -digits / 2;
      check(ok, `to be close to ${v} (${digits} digits)`);
    },
    toBeGreaterThan: (v) => check((actual as number) > v, `to be > ${v}`),
    toBeGreaterThanOrEqual: (v) => check((actual as number) >= v, `to be >= ${v}`),
    toBeLessThan: (v) => check((actual as number) < v, `to be < ${v}`),
    toBeLessThanOrEqual: (v) => check((actual as number) <= v, `to be <= ${v}`),
    toBeNaN: () => check(Number.isNaN(actual), 'to be NaN'),
    toBeNull: () => check(actual === null, 'to be null'),
    toBeUndefined: () => check(actual === undefined, 'to be undefined'),
    toBeDefined: () => check(actual !== undefined, 'to be defined'),
    toBeTruthy: () => check(!!actual, 'to be truthy'),
    toBeFalsy: () => check(!actual, 'to be falsy'),
    toContain: (v) =>
      check(
        typeof actual === 'string' ? actual.includes(v as string) : [...(actual as Iterable<unknown>)].includes(v),
        `to contain ${show(v)}`,
      ),
    toHaveLength: (n) => check((actual as { length: number }).length === n, `to have length ${n}`),
    toMatch: (re) =>
      check(typeof re === 'string' ? (actual as string).includes(re) : re.test(actual as string), `to match ${re}`),
    toBeInstanceOf: (c) => check(actual instanceof c, `to be an instance of ${c.name}`),
    toThrow: (want) => {
      let threw = false;
      let err: unknown;
      try {
        (actual as () => unknown)();
      } catch (e) {
        threw = true;
        err = e;
      }
      if (!negate && !threw) throw new Error(`expected the function to throw ${want ?? ''}`);
      const ok = threw && thrownMatches(err, want);
      if (ok === negate)
        throw new Error(
          `expected the function ${negate ? 'not ' : ''}to throw ${want ?? ''}, it threw: ${err instanceof Error ? err.message : String(err)}`,
        );
    },
  };
}

type Expectation = Matchers & {
  not: Matchers;
  rejects: { toThrow(want?: string | RegExp): Promise<void> };
  resolves: { toBe(v: unknown): Promise<void>; toEqual(v: unknown): Promise<void> };
};

export function expect(actual: unknown): Expectation {
  const rejects = {
    async toThrow(want?: string | RegExp): Promise<void> {
      try {
        await (typeof actual === 'function' ? (actual as () => Promise<unknown>)() : actual);
      } catch (e) {
        if (!thrownMatches(e, want))
          throw new Error(`expected a rejection matching ${want}, got: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      throw new Error(`expected a rejection ${want ?? ''}, it resolved`);
    },
  };
  const resolves = {
    toBe: async (v: unknown) => matchers(await actual, false).toBe(v),
    toEqual: async (v: unknown) => matchers(await actual, false).toEqual(v),
  };
  return Object.assign(matchers(actual, false), { not: matchers(actual, true), rejects, resolves });
}

// ---- runner ----

export interface TestResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  ms: number;
  error?: string;
}

async function runSuite(
  s: Suite,
  prefix: string[],
  each: { before: Fn[]; after: Fn[] },
  out: TestResult[],
): Promise<void> {
  const path = s.name ? [...prefix, s.name] : prefix;
  const hooks = { before: [...each.before, ...s.beforeEach], after: [...s.afterEach, ...each.after] };
  let setupError: string | undefined;
  try {
    for (const f of s.beforeAll) await f();
  } catch (e) {
    setupError = errorText(e);
  }
  for (const t of s.tests) {
    const name = [...path, t.name].join(' > ');
    if (t.skip) {
      out.push({ name, status: 'skip', ms: 0 });
      continue;
    }
    const t0 = performance.now();
    try {
      if (setupError) throw new Error(`beforeAll failed: ${setupError}`);
      for (const f of hooks.before) await f();
      try {
        await t.fn();
      } finally {
        for (const f of hooks.after) await f();
      }
      out.push({ name, status: 'pass', ms: performance.now() - t0 });
    } catch (e) {
      out.push({ name, status: 'fail', ms: performance.now() - t0, error: errorText(e) });
    }
  }
  for (const c of s.suites) await runSuite(c, path, hooks, out);
  for (const f of s.afterAll) {
    try {
      await f();
    } catch (e) {
      out.push({ name: [...path, 'afterAll'].join(' > '), status: 'fail', ms: 0, error: errorText(e) });
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
}

/** Runs every test registered so far (the page calls this once its suite module has loaded). */
export async function runRegistered(): Promise<TestResult[]> {
  const out: TestResult[] = [];
  await runSuite(root, [], { before: [], after: [] }, out);
  return out;
}
