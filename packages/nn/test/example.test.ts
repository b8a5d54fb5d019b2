// The README example runs as a user would run it: a separate process importing '@jepa/nn'.
// (It opens its own GPU device, so this file does not import test/gpu.ts.)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('examples/encode.ts', () => {
  it('builds the tiny preset, encodes two sentences and prints the pooled shape', async () => {
    const { stdout } = await promisify(execFile)('pnpm', ['exec', 'tsx', 'packages/nn/examples/encode.ts'], {
      cwd: root,
      timeout: 590_000,
    });
    expect(stdout).toContain('pooled embeddings: [2, 128]');
    expect(stdout).toMatch(/tokens per sentence: 9, 12/);
  }, 600_000);
});
