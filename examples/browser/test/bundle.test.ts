// The browser entries of the four packages bundle for a browser with no Node built-in and without
// Dawn (npm `webgpu`, dawn.node): the conditions in the packages' `exports`/`imports` pick
// navigator.gpu and fetch there.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('holds kernels, tensor, nn and jepa without Node built-ins or Dawn', async () => {
    const r = await build({
      stdin: {
        contents: [
          "export * from '@jepa/kernels';",
          "export * from '@jepa/tensor';",
          "export * as nn from '@jepa/nn';",
          "export * as jepa from '@jepa/jepa';",
        ].join('\n'),
        resolveDir: new URL('../../../packages/jepa', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((p) => p.startsWith('node:') || /node_modules\/webgpu\//.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith('kernels/src/dawn.browser.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('nn/src/io/files.browser.ts'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('jepa/src/model/pretrained.ts'))).toBe(true);
    const code = r.outputFiles[0]!.text;
    expect(code).not.toMatch(/\bprocess\.(env|stderr|stdout)\b/);
  });
});
