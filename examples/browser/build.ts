// Browser bundles (esbuild, platform browser, so the packages' `browser` conditions pick navigator.gpu
// and fetch): dist/page.js for the page, and one bundle per kernel/op suite under dist/tests/ with
// `vitest` aliased to test/vitest-shim.ts.
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DIST = `${HERE}dist`;

/** The suites run in the browser: every kernel and every op, forward and gradient, each variant. */
export const BROWSER_SUITES = [
  'packages/kernels/test/runtime.test.ts',
  'packages/kernels/test/matmul.test.ts',
  'packages/kernels/test/adamw.test.ts',
  'packages/tensor/test/core.test.ts',
  'packages/tensor/test/indexing.test.ts',
  'packages/tensor/test/concat.test.ts',
  'packages/tensor/test/softmax.test.ts',
  'packages/tensor/test/layernorm.test.ts',
  'packages/tensor/test/attention.test.ts',
  'packages/tensor/test/cross_entropy.test.ts',
  'packages/tensor/test/dropout.test.ts',
  'packages/tensor/test/vicreg.test.ts',
  'packages/tensor/test/tfjs-oracle.test.ts',
];
export const SHIM = 'examples/browser/test/vitest-shim.ts';
export const VARIANTS = 'examples/browser/src/kernel-choices.ts';

/** Bundle path (under dist/) of a source file that is an entry point of the tests build. */
export const testBundle = (src: string): string => `tests/${src.replace(/\.ts$/, '.js')}`;

export async function buildPage(): Promise<Metafile> {
  const r = await build({
    entryPoints: [`${HERE}src/page.ts`],
    outfile: `${DIST}/page.js`,
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
