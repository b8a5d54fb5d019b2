// The README's code blocks run exactly as printed: each ```js block is written to a .mjs file
// inside the repository (so '@jepa/*' resolves as in a user's project), run in its own process
// from an empty working directory, and must exit 0 without a leak warning.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const scripts = join(root, '.tmp', 'readme');

/** The ```js blocks of a markdown file, with the heading-free line before each as its name. */
function jsBlocks(markdown: string): { name: string; code: string }[] {
  const out: { name: string; code: string }[] = [];
  const re = /```js\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const before = markdown.slice(0, m.index).trimEnd().split('\n').pop() ?? '';
    out.push({ name: before.replace(/[`:(]/g, '').slice(0, 60) || `block ${out.length + 1}`, code: m[1] });
  }
  return out;
}

/** Runs one block; returns its output. */
function runBlock(code: string, file: string): { status: number | null; stdout: string; stderr: string } {
  mkdirSync(scripts, { recursive: true });
  const path = join(scripts, file);
  writeFileSync(path, code);
  const cwd = mkdtempSync(join(tmpdir(), 'readme-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path], {
      cwd, encoding: 'utf8', timeout: 280_000, env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const blocks = jsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
afterAll(() => rmSync(scripts, { recursive: true, force: true }));

describe('README code blocks', () => {
  it('has the four examples', () => {
    expect(blocks.length).toBe(4);
  });
  blocks.forEach((b, i) => {
    it(`block ${i + 1} runs as printed: ${b.name}`, () => {
      const r = runBlock(b.code, `block${i + 1}.mjs`);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/garbage-collected without dispose|Error/);
      expect(r.stdout.trim().length).toBeGreaterThan(0);
    }, 300_000);
  });
});
