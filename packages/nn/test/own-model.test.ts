// docs/OWN-MODEL.md: every code block is an example file, and each runs as a user would run it (a
// separate process importing '@jepa/nn'; tsx only resolves the workspace's TypeScript sources,
// the examples are plain JS) and prints real results: the loss falls, a reload gives identical
// outputs, nothing leaks.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const EXAMPLES = ['own-mlp.mjs', 'own-transformer.mjs'];
const source = (f: string) => readFileSync(`${root}packages/nn/examples/${f}`, 'utf8');

async function run(file: string): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('node', ['--import', 'tsx', `packages/nn/examples/${file}`], {
    cwd: root,
    timeout: 290_000,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
}

function checkCommon(stdout: string, stderr: string): void {
  const [first, last] = (/loss: first ([\d.]+), last ([\d.]+)/.exec(stdout) ?? []).slice(1).map(Number);
  expect(first, stdout).toBeGreaterThan(0.5);
  expect(last, stdout).toBeLessThan(first * 0.2);
  expect(stdout).toContain('reloaded: identical outputs');
  expect(stdout).toMatch(/^leaked tensors: 0$/m);
  expect(stdout + stderr).not.toMatch(/garbage-collected without dispose/);
}

describe('docs/OWN-MODEL.md', () => {
  it('has exactly the example files as its code blocks', () => {
    const doc = readFileSync(`${root}docs/OWN-MODEL.md`, 'utf8');
    const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toEqual(EXAMPLES.map(source));
    // Plain JS as printed: no TypeScript-only syntax such as non-null assertions.
    for (const f of EXAMPLES) expect(source(f)).not.toMatch(/\w!\.|\w!\)|: (number|string|Tensor)\b/);
  });

  it('own-mlp.mjs: a Module with fields trains, saves and reloads identically', async () => {
    const { stdout, stderr } = await run('own-mlp.mjs');
    expect(stdout).toContain(
      'parameters: fc1.weight [32,2], fc1.bias [32], fc2.weight [32,32], fc2.bias [32], head.weight [3,32], head.bias [3]',
    );
    expect(Number(/training accuracy: ([\d.]+)%/.exec(stdout)?.[1])).toBeGreaterThan(90);
    checkCommon(stdout, stderr);
  }, 300_000);

  it('own-transformer.mjs: TransformerEncoderLayers in an array field, masked, train and reload', async () => {
    const { stdout, stderr } = await run('own-transformer.mjs');
    expect(stdout).toContain('30 parameter tensors, e.g. layers.0.self_attn.in_proj_weight');
    checkCommon(stdout, stderr);
  }, 300_000);
});
