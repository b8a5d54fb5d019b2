// Weights that do not match the model never load silently: in encode, eval and train --init a
// config.json that disagrees with the weights, another name prefix, a transposed shape with the same
// element count or a float weight stored as integers is an error listing the mismatches; the
// lenient mode is explicit and says what it skipped.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSafetensorsFile, saveSafetensorsFile } from '@jepa/nn';
import { loadEncoder, randomEncoder } from '../src/model/load.ts';
import { exportModel } from '../src/train/checkpoint.ts';
import { resolveConfig } from '../src/train/config.ts';
import { buildModel } from '../src/train/trainer.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-strict-'));
const good = join(dir, 'good');
type Host = { shape: number[]; data: Float32Array | Int32Array };

/** A copy of the good model dir with its weights and/or config.json rewritten. */
async function variant(
  name: string,
  edit: { weights?: (w: Map<string, Host>) => Map<string, Host>; config?: Record<string, unknown> },
): Promise<string> {
  const d = join(dir, name);
  cpSync(good, d, { recursive: true });
  if (edit.weights) {
    const f = await loadSafetensorsFile(join(good, 'model.safetensors'));
    const w = edit.weights(new Map([...f.tensors].map(([n, t]) => [n, { shape: [...t.shape], data: t.data }])));
    await saveSafetensorsFile(join(d, 'model.safetensors'), Object.fromEntries(w), { format: 'pt' });
  }
  if (edit.config) {
    const c = JSON.parse(readFileSync(join(good, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, ...edit.config }));
  }
  return d;
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    input: 'how do i mount a usb drive\n',
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const W = 'encoder.layer.0.intermediate.dense.weight'; // [512, 128]
let dirs: Record<string, string>;

describe('strict weight loading', () => {
  it('setup: a tiny model dir and broken copies of it', async () => {
    const enc = await randomEncoder('tiny', { pooling: 'mean', maxTokens: 16 });
    await exportModel(good, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 16, objective: 'none', step: 0 });
    enc.bert.dispose();
    dirs = {
      hidden: await variant('hidden', { config: { hidden_size: 64 } }),
      fewer: await variant('fewer', { config: { num_hidden_layers: 1 } }),
      more: await variant('more', { config: { num_hidden_layers: 3 } }),
      roberta: await variant('roberta', { weights: (w) => new Map([...w].map(([n, t]) => [`roberta.${n}`, t])) }),
      transposed: await variant('transposed', {
        weights: (w) => new Map([...w].map(([n, t]) => [n, n === W ? { ...t, shape: [128, 512] } : t])),
      }),
      int: await variant('int', {
        weights: (w) =>
          new Map(
            [...w].map(([n, t]) => [
              n,
              n === 'embeddings.LayerNorm.weight' ? { ...t, data: new Int32Array(t.data.buffer.slice(0)) } : t,
            ]),
          ),
      }),
      noPooler: await variant('no-pooler', {
        weights: (w) => new Map([...w].filter(([n]) => !n.startsWith('pooler.'))),
      }),
    };
  });

  it('each kind of mismatch is an error naming the files and the tensors', async () => {
    const cases: [string, RegExp][] = [
      ['hidden', /shape mismatch for embeddings\.word_embeddings\.weight: expected \[30522, 64\], got \[30522, 128\]/],
      ['fewer', /: unexpected "encoder\.layer\.1\.attention\.output\.LayerNorm\.bias";.*\(\+10 more unexpected\)$/], // 16 per layer
      ['more', /missing "encoder\.layer\.2\.attention\.self\.query\.weight"/],
      [
        'roberta',
        /: missing "embeddings\.word_embeddings\.weight";.*\(\+31 more missing\); unexpected "roberta\.embeddings\.LayerNorm\.bias";.*\(\+33 more unexpected\)$/,
      ],
      [
        'transposed',
        /shape mismatch for encoder\.layer\.0\.intermediate\.dense\.weight: expected \[512, 128\], got \[128, 512\]/,
      ],
      ['int', /dtype mismatch for embeddings\.LayerNorm\.weight: expected a float tensor, got I32/],
    ];
    for (const [name, want] of cases) {
      const d = dirs[name];
      const err = await loadEncoder(d).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(err, name).toContain(`${join(d, 'model.safetensors')} does not match ${join(d, 'config.json')}`);
      expect(err, name).toMatch(want);
    }
  });

  it('a file without pooler weights (BertForMaskedLM) loads strictly, into a model without a pooler', async () => {
    const enc = await loadEncoder(dirs.noPooler);
    expect(enc.bert.pooler).toBeUndefined();
    const [e] = await enc.embed(['a question']);
    expect(e.length).toBe(128);
    enc.bert.dispose();
  });

  it('the lenient mode is explicit and prints what it skipped', async () => {
    const said: string[] = [];
    const enc = await loadEncoder(dirs.transposed, { lenient: true, warn: (m) => said.push(m) });
    expect(said).toEqual([
      `warning: lenient load of ${dirs.transposed} skipped: shape mismatch for ${W}: expected [512, 128], got [128, 512] (skipped weights keep their random initialisation)`,
    ]);
    enc.bert.dispose();
  });

  it("train --init keeps the file's dropout unless --dropout is given", async () => {
    const fileRate = (JSON.parse(readFileSync(join(good, 'config.json'), 'utf8')) as { hidden_dropout_prob: number })
      .hidden_dropout_prob;
    for (const [dropout, want] of [
      [null, fileRate],
      [0.3, 0.3],
    ] as const) {
      const { encoder, modules } = await buildModel(resolveConfig({ init: good, pooling: 'mean', dropout }), []);
      expect(encoder.bert.config.hidden_dropout_prob, String(dropout)).toBe(want);
      for (const m of modules) m.dispose();
    }
    expect(fileRate).not.toBe(0.3);
  });

  it('the CLIs: encode, eval and train --init fail naming the mismatch; --lenient-load warns and runs', () => {
    const enc = cli(['packages/jepa/src/cli/encode.ts', '--model', dirs.roberta]);
    expect(enc.code).toBe(1);
    expect(enc.stdout).toBe('');
    expect(enc.stderr).toMatch(
      /^error: BertModel\.fromPretrained: .*roberta\/model\.safetensors does not match .*unexpected "roberta\./m,
    );
    const ev = cli(['packages/jepa/src/cli/eval.ts', '--model', dirs.hidden, '--task', 'stsb']);
    expect(ev.code).toBe(1);
    expect(ev.stderr).toMatch(/hidden\/model\.safetensors does not match .*hidden\/config\.json: .*shape mismatch/);
    const tr = cli([
      'packages/jepa/src/cli/train.ts',
      '--init',
      dirs.int,
      '--steps',
      '2',
      '--out',
      join(dir, 'run'),
      '--baselines',
      'false',
    ]);
    expect(tr.code).toBe(1);
    expect(tr.stderr).toMatch(/dtype mismatch for embeddings\.LayerNorm\.weight: expected a float tensor, got I32/);
    const len = cli(['packages/jepa/src/cli/encode.ts', '--model', dirs.transposed, '--lenient-load']);
    expect(len.code, len.stderr).toBe(0);
    expect(len.stderr).toContain(`warning: lenient load of ${dirs.transposed} skipped: shape mismatch for ${W}`);
    expect(JSON.parse(len.stdout.trim()).length).toBe(128);
  });
});
