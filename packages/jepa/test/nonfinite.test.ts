// Non-finite values stop a run naming the step and the term (or the gradient norm, or the
// parameters), saying what was kept only when something was; non-finite weights or embeddings are
// errors naming the model, never vectors of null.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSafetensorsFile, saveSafetensorsFile } from '@jepa/nn';
import { randomEncoder } from '../src/model/load.ts';
import { exportModel, readTrainerState } from '../src/train/checkpoint.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { dir, pool, devFile, cfg } = tinyRun('nonfinite', 4, { steps: 12, warmup: 0 });

function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a run that diverges', () => {
  it('stops at the gradient norm clipping already computes, before any checkpoint, and says none was kept', async () => {
    const s = await train(cfg({ out: join(dir, 'norm'), lr: 1e6 }), { quiet: true });
    expect(s.stopped).toBe('nan');
    expect(s.stopMessage).toMatch(
      /^stopping: non-finite gradient norm \((NaN|Infinity)\) at step \d+; no checkpoint had been saved yet/,
    );
    expect(await readTrainerState(join(dir, 'norm'))).toBeNull();
  });

  it('without clipping, names the loss term at fault rather than the total', async () => {
    const s = await train(cfg({ out: join(dir, 'term'), lr: 1e6, clip: 0 }), { quiet: true });
    expect(s.stopped).toBe('nan');
    expect(s.stopMessage).toMatch(/^stopping: non-finite (inv|var|cov) \((NaN|-?Infinity)\) at step \d+;/);
  });

  it('a stop after a checkpoint names the checkpoint that is kept', async () => {
    const out = join(dir, 'kept');
    await train(cfg({ out }), { quiet: true, stopAfter: 2 });
    // Weights that overflow in the next forward, saved as the checkpoint itself (same sizes).
    const path = join(out, 'checkpoint', 'model.safetensors');
    const file = await loadSafetensorsFile(path);
    const w = Object.fromEntries([...file.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
    (w['encoder.layer.0.output.dense.weight'].data as Float32Array).fill(3e38);
    await saveSafetensorsFile(path, w, { format: 'pt' });
    const s = await train(cfg({ out, resume: out }), { quiet: true });
    expect(s.stopped).toBe('nan');
    expect(s.stopMessage).toMatch(
      new RegExp(`^stopping: non-finite .* at step 3; the checkpoint of step 2 in ${join(out, 'checkpoint')} is kept`),
    );
    expect((await readTrainerState(out))!.step).toBe(2);
  });

  it('the CLI exits 2 with the message and no stack trace', () => {
    const r = cli([
      'packages/jepa/src/cli/train.ts',
      '--lr',
      '1e6',
      '--steps',
      '12',
      '--batch-size',
      '8',
      '--max-tokens',
      '16',
      '--train-file',
      pool,
      '--eval-file',
      devFile,
      '--baselines',
      'false',
      '--out',
      join(dir, 'cli'),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /stopping: non-finite gradient norm \(\w+\) at step \d+; no checkpoint had been saved yet/,
    );
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('non-finite models', () => {
  it('a NaN in model.safetensors is an error naming the file and tensor; weights that overflow make eval and encode fail naming the model', async () => {
    const enc = await randomEncoder('tiny', { pooling: 'mean', maxTokens: 16 });
    const good = join(dir, 'good');
    await exportModel(good, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 16, objective: 'none', step: 0 });
    enc.bert.dispose();
    const edit = async (name: string, f: (data: Float32Array) => void) => {
      const d = join(dir, name);
      cpSync(good, d, { recursive: true });
      const file = await loadSafetensorsFile(join(good, 'model.safetensors'));
      const w = Object.fromEntries([...file.tensors].map(([n, t]) => [n, { shape: t.shape, data: t.data }]));
      f(w['encoder.layer.0.output.dense.weight'].data as Float32Array);
      await saveSafetensorsFile(join(d, 'model.safetensors'), w, { format: 'pt' });
      return d;
    };
    const nan = await edit('nan', (d) => (d[5] = NaN));
    const r = cli(['packages/jepa/src/cli/encode.ts', '--model', nan], 'a question\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${join(nan, 'model.safetensors')} tensor "encoder.layer.0.output.dense.weight" holds NaN at index 5`,
    );
    const huge = await edit('huge', (d) => d.fill(3e38));
    const e = cli(['packages/jepa/src/cli/eval.ts', '--model', huge, '--task', 'stsb']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(
      new RegExp(`^error: --model ${huge}: embed: the embedding of ".*" holds (NaN|-?Infinity)`, 'm'),
    );
  });
});
