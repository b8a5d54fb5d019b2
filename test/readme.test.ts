// The README's code blocks run exactly as printed: each ```js block is written to a .mjs file
// inside the repository (so '@jepa/*' resolves as in a user's project), run in its own process
// from an empty working directory, and must exit 0 without a leak warning.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const scripts = join(root, '.tmp', 'readme');
// tsx by URL: the scripts run from an empty working directory, where a bare 'tsx' would not resolve.
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

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
    const r = spawnSync(process.execPath, ['--import', tsx, path], {
      cwd,
      encoding: 'utf8',
      timeout: 280_000,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** What each block must print: real values, not just an exit code. */
const EXPECT: ((stdout: string) => void)[] = [
  (out) => expect(out).toMatch(/^loss \d+\.\d{4} dL\/dw2 (-?\d+\.\d{3} ){15}-?\d+\.\d{3}$/m),
  (out) => {
    const losses = [...out.matchAll(/^step (\d+) loss (\S+)$/gm)].map((m) => Number(m[2]));
    expect(losses).toHaveLength(6);
    expect(losses[5]).toBeLessThan(losses[0] / 2); // 50 AdamW steps fit two points
    expect(out).toMatch(/^reloaded, same outputs: true$/m);
  },
  (out) => expect(out).toMatch(/^\[ 2, 128 \]$/m),
  (out) => {
    const map = Number(/^dev MAP (\S+)$/m.exec(out)?.[1]);
    expect(map).toBeGreaterThan(30); // the PPMI start alone scores ~38; random order 21.5
    expect(out).toMatch(/^128 dims$/m);
  },
];

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
      EXPECT[i](r.stdout);
    }, 300_000);
  });
});
