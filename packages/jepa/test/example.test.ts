// The README's @jepa/jepa example, run as a user runs it (its own process and GPU device), shortened
// to 12 steps: it trains, exports, reloads with SIF weights and prints a 4×4 cosine table.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('examples/train-and-embed.ts', () => {
  it('trains, reloads the model dir and embeds', async () => {
    const { stdout } = await promisify(execFile)(
      'pnpm',
      ['exec', 'tsx', 'packages/jepa/examples/train-and-embed.ts', '12'],
      {
        cwd: root,
        timeout: 590_000,
        env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
      },
    );
    const map = Number(/trained 12 steps in \d+ s; dev MAP ([\d.]+)/.exec(stdout)?.[1]);
    expect(map).toBeGreaterThan(15);
    expect(map).toBeLessThan(60);
    expect(stdout).toContain('4 embeddings of size 128 (sif pooling)');
    const rows = stdout
      .trim()
      .split('\n')
      .slice(-4)
      .map((l) =>
        l
          .trim()
          .split(/\s{2,}/)
          .slice(1)
          .map(Number),
      );
    rows.forEach((r, i) => {
      expect(r.length).toBe(4);
      expect(r[i]).toBe(1); // cos(x, x)
      r.forEach((v, j) => expect(v, `row ${i} col ${j}`).toBeCloseTo(rows[j][i], 2)); // symmetric
    });
  }, 600_000);
});
