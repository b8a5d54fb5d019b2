// Browser bundles (esbuild, platform browser, so the packages' `browser` conditions pick navigator.gpu
// and fetch): dist/page.js for the page, dist/train-worker.js for its training worker, and one bundle per kernel/op suite under dist/tests/ with
// `vitest` aliased to test/vitest-shim.ts.
import { build, type Metafile } from 'esbuild';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DIST = `${HERE}dist`;

/** Suites that stay in Node, and why. */
export const NODE_ONLY_SUITES: Record<string, string> = {
  'packages/tensor/test/example.test.ts': 'runs the README example script, which checks process.argv',
  'packages/tensor/test/leaks.test.ts': "forces a garbage collection (Node's gc) and spies on console.warn with vi",
  'packages/kernels/test/matmul-wide.test.ts':
    'sets LP_NATIVE_VECTOR_WIDTH for llvmpipe before the Node adapter starts, and reads /proc/cpuinfo',
};

/** The suites run in the browser: every kernel and op suite (forward, gradient, each variant). */
export const BROWSER_SUITES = ['packages/kernels/test', 'packages/tensor/test']
  .flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.test.ts'))
      .sort()
      .map((f) => `${dir}/${f}`),
  )
  .filter((p) => !(p in NODE_ONLY_SUITES));
export const SHIM = 'examples/browser/test/vitest-shim.ts';
export const VARIANTS = 'examples/browser/src/kernel-choices.ts';

/** Bundle path (under dist/) of a source file that is an entry point of the tests build. */
export const testBundle = (src: string): string => `tests/${src.replace(/\.ts$/, '.js')}`;

export async function buildPage(): Promise<Metafile> {
  const r = await build({
    // The training worker is its own bundle (new Worker('train-worker.js') beside page.js).
    entryPoints: [`${HERE}src/page.ts`, `${HERE}src/train-worker.ts`],
    outdir: DIST,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  return r.metafile;
}

export async function buildTests(): Promise<Metafile> {
  const r = await build({
    entryPoints: [...BROWSER_SUITES, SHIM, VARIANTS].map((p) => `${ROOT}${p}`),
    outbase: ROOT,
    outdir: `${DIST}/tests`,
    bundle: true,
    splitting: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    alias: { vitest: `${ROOT}${SHIM}` },
    logLevel: 'warning',
  });
  return r.metafile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildPage();
  await buildTests();
  console.log(`built ${DIST}`);
}
