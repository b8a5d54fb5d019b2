// The CLIs as a user runs them: one JSON line last on stdout, clear errors, clean exit.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { randomEncoder } from '../src/model/load.ts';
import { exportModel } from '../src/train/checkpoint.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-cli-'));

function cli(name: 'eval' | 'encode', args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `packages/jepa/src/cli/${name}.ts`, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
  });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, last: lines[lines.length - 1] };
}

describe('pnpm eval', () => {
  it('TF-IDF and random-order baselines on the shipped dev set', () => {
    const t = cli('eval', ['--model', 'tfidf', '--task', 'askubuntu']);
    expect(t.code, t.stderr).toBe(0);
    const m = JSON.parse(t.last);
    expect(m).toMatchObject({ task: 'askubuntu', model: 'tfidf', queries: 710 });
    expect(m.map).toBeCloseTo(30.67, 1);
    const r = JSON.parse(cli('eval', ['--model', 'random', '--task', 'askubuntu']).last);
    expect(r.map).toBeGreaterThan(18);
    expect(r.map).toBeLessThan(23.5);
  });

  it('Lei et al. layout and a malformed file named by file:line', () => {
    const lei = cli('eval', [
      '--model',
      'tfidf',
      '--task',
      'askubuntu-lei',
      '--file',
      join(root, 'packages/jepa/test/fixtures/lei'),
    ]);
    expect(lei.code, lei.stderr).toBe(0);
    expect(JSON.parse(lei.last).queries).toBeGreaterThan(0);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"query": "a", "positive": ["b"], "negative": ["c"]}\n{"query": 3}\n');
    const b = cli('eval', ['--model', 'tfidf', '--file', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/bad\.jsonl:2/);
  });
});

describe('pnpm encode and eval on a model dir', () => {
  it('writes one embedding per line, matching the library, and .npy with --out', async () => {
    const enc = await randomEncoder('tiny', { pooling: 'mean', maxTokens: 32 });
    const model = join(dir, 'model');
    await exportModel(model, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 32, objective: 'none', step: 0 });
    const want = await enc.embed(['how do i mount a usb drive', 'wifi not working after upgrade']);
    enc.bert.dispose();
    const r = cli('encode', ['--model', model], 'how do i mount a usb drive\nwifi not working after upgrade\n');
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as number[]);
    expect(rows.length).toBe(2);
    rows.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 4)));
    const npy = join(dir, 'e.npy');
    expect(cli('encode', ['--model', model, '--out', npy], 'a\nb\nc\n').code).toBe(0);
    expect(readFileSync(npy).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    expect(readFileSync(npy).toString('latin1')).toContain("'shape': (3, 128)");
    // No input lines: an empty matrix of the model's width, not (0, 0); --batch-size as train spells it.
    const empty = join(dir, 'empty.npy');
    const z = cli('encode', ['--model', model, '--out', empty, '--batch-size', '2'], '');
    expect(z.code, z.stderr).toBe(0);
    expect(readFileSync(empty).toString('latin1')).toContain("'shape': (0, 128)");
    const both = cli('encode', ['--model', model, '--batch', '2', '--batch-size', '2'], 'x\n');
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/--batch and --batch-size are the same option, got both/);
    const nofile = cli('eval', ['--model', 'tfidf', '--file', join(dir, 'nope.jsonl')]);
    expect(nofile.code).toBe(1);
    expect(nofile.stderr).toContain(`error: ${join(dir, 'nope.jsonl')}: cannot read (no such file)`);
    const s = cli('eval', ['--model', model, '--task', 'stsb']);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.last)).toMatchObject({ task: 'stsb', pairs: 1500, pooling: 'mean' });
    const missing = cli('encode', ['--model', join(dir, 'nope')], 'x\n');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/missing config\.json/);
  });
});
