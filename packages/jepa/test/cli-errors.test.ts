// Bad input to the CLIs fails fast and clearly: every option validated, unknown flags and stray
// words named with a "did you mean" as the flag is typed, files named in their errors, and an
// evaluation over nothing is an error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/cli/args.ts';
import { CONFIG_FIELDS, RECIPES, resolveConfig, unusedOptions } from '../src/train/config.ts';
import { tinyRun } from './tiny-run.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-cli-errors-'));

function cli(args: string[], input = '') {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

describe('parseOptions (table-driven, shared by every CLI)', () => {
  const spec = { ...CONFIG_FIELDS, help: 'bool' } as const;
  const parse = (...argv: string[]) => parseOptions('pnpm train', argv, spec);

  it('coerces values by the table: kebab or camel, --k v and --k=v, bare booleans', () => {
    expect(
      parse(
        '--batch-size',
        '8',
        '--lr=1e-3',
        '--crop-both',
        '--maxTokens',
        '16',
        '--overwrite',
        'false',
        '--expander',
        '64,64',
      ),
    ).toEqual({ batchSize: 8, lr: 1e-3, cropBoth: true, maxTokens: 16, overwrite: false, expander: [64, 64] });
  });

  it('unknown flags get a "did you mean" spelled as typed', () => {
    expect(() => parse('--batchsize', '4')).toThrow(
      'pnpm train: unknown option --batchsize (did you mean --batch-size?)',
    );
    expect(() => parse('--batch_size', '4')).toThrow('(did you mean --batch-size?)');
    expect(() => parse('--evl-every', '4')).toThrow('(did you mean --eval-every?)');
    expect(() => parse('--zzzz', '4')).toThrow(/^pnpm train: unknown option --zzzz; see pnpm train --help$/);
  });

  it('stray words, missing values, repeats and bad values are errors naming the flag', () => {
    expect(() => parse('oops')).toThrow('pnpm train: unexpected argument "oops"');
    expect(() => parse('--overwrite', 'runs/x')).toThrow('pnpm train: unexpected argument "runs/x"');
    expect(() => parse('--steps')).toThrow('pnpm train: --steps needs a value');
    expect(() => parse('--steps', '1', '--steps', '2')).toThrow('pnpm train: --steps given twice');
    for (const v of ['0', '-1', 'abc', '1.5'])
      expect(() => parse('--batch-size', v)).toThrow(`--batch-size: expected a positive integer, got "${v}"`);
    expect(() => parse('--pooling', 'avg')).toThrow('--pooling: expected one of cls|mean|max|sif, got "avg"');
  });
});

describe('unusedOptions: a given option the run will not use is named', () => {
  const unused = (cfg: Record<string, unknown>, given = Object.keys(cfg)) => unusedOptions(resolveConfig(cfg), given);

  it('objective settings under another objective', () => {
    expect(unused({ objective: 'mlm', lambda: 10, cropRest: true })).toEqual([
      '--lambda has no effect with --objective mlm',
      '--crop-rest has no effect with --objective mlm',
    ]);
    expect(unused({ objective: 'jepa', temperature: 0.1, maskRate: 0.2, emaMomentum: 0.99 })).toEqual([
      '--temperature has no effect with --objective jepa',
      '--mask-rate has no effect with --objective jepa',
      '--ema-momentum has no effect with --objective jepa',
    ]);
    expect(unused({ objective: 'jepa-ema', emaLoss: 'mse', nu: 2, predictor: [64] })).toEqual([
      '--nu has no effect with --objective jepa-ema --ema-loss mse',
    ]);
    expect(unused({ auxWeight: 2 })).toEqual(['--aux-weight has no effect without --aux']);
    expect(unused({ init: 'runs/x', preset: 'base' })).toEqual([
      "--preset has no effect with --init (the model's config.json sets the size)",
    ]);
  });

  it("nothing for what the run uses, defaults not given, or a pretext task's own settings", () => {
    expect(unused({ objective: 'jepa', lambda: 10, cropRest: true, expander: [64], steps: 5 })).toEqual([]);
    expect(
      unused({ objective: 'jepa', aux: 'tsdae', auxWeight: 0.5, deleteRatio: 0.5, decoderTie: 'embeddings' }),
    ).toEqual([]);
    expect(unused({ objective: 'jepa', aux: 'mlm', maskRate: 0.2 })).toEqual([]);
    expect(unused({ objective: 'jepa-ema', lambda: 5, cropBoth: true, predictor: [64] })).toEqual([]);
    expect(unused({ objective: 'mlm', lambda: 10 }, ['objective'])).toEqual([]);
  });
});

describe('the CLIs reject bad input before doing any work', () => {
  it('encode --batch 0 / -1 / abc fail at once (no hang)', () => {
    for (const v of ['0', '-1', 'abc']) {
      const r = cli(['packages/jepa/src/cli/encode.ts', '--model', dir, '--batch', v], 'a\n');
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`error: --batch: expected a positive integer, got "${v}"\n`);
    }
  });

  it('eval --tsk, train oops and bench --quik are errors with exit 1', () => {
    const e = cli(['packages/jepa/src/cli/eval.ts', '--model', 'tfidf', '--tsk', 'stsb']);
    expect([e.code, e.stderr]).toEqual([
      1,
      'error: pnpm eval: unknown option --tsk (did you mean --task?); see pnpm eval --help\n',
    ]);
    const m = cli(['packages/jepa/src/cli/eval.ts', '--model', 'random-init', '--max-tokens', '2']);
    expect([m.code, m.stderr]).toEqual([1, 'error: --max-tokens: must be at least 3 ([CLS] x [SEP]), got 2\n']);
    const x = cli(['packages/jepa/src/cli/eval.ts', '--model', 'tfidf', '--max-tokens', '32']);
    expect([x.code, x.stderr]).toEqual([
      1,
      'error: --max-tokens: only with --model random-init (a model dir keeps the max tokens it was trained with), got --model tfidf\n',
    ]);
    const s = cli(['packages/jepa/src/cli/train.ts', '--steps', '5', '--stop-after', '6', '--out', join(dir, 'never')]);
    expect([s.code, s.stderr]).toEqual([1, 'error: --stop-after: must be after step 0 and at most --steps 5, got 6\n']);
    const z = cli(['packages/jepa/src/cli/train.ts', '--stop-after', '0']);
    expect([z.code, z.stderr]).toEqual([1, 'error: --stop-after: expected a positive integer, got "0"\n']);
    const t = cli(['packages/jepa/src/cli/train.ts', 'oops']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/^error: pnpm train: unexpected argument "oops"/);
    const b = cli(['benchmarks/src/main.ts', '--quik']);
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/^error: pnpm bench: unknown option --quik \(did you mean --quick\?\)/);
  });

  it("errors name the file: bad JSON in --config or a model's config.json, a field unknown in --config, an output dir that cannot be written", () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"steps": 10,}');
    const c = cli(['packages/jepa/src/cli/train.ts', '--config', bad]);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(new RegExp(`^error: --config ${bad}: invalid JSON \\(`));
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, '{"batchsize": 10}');
    expect(cli(['packages/jepa/src/cli/train.ts', '--config', unknown]).stderr).toBe(
      `error: --config ${unknown}: unknown field "batchsize" (did you mean "batchSize"?)\n`,
    );
    const model = join(dir, 'model');
    mkdirSync(model);
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt'])
      writeFileSync(join(model, f), f === 'config.json' ? '{"hidden_size": ' : '');
    const m = cli(['packages/jepa/src/cli/encode.ts', '--model', model], 'a\n');
    expect(m.code).toBe(1);
    expect(m.stderr).toMatch(new RegExp(`^error: .*${join(model, 'config.json')}: invalid JSON`, 'm'));
    // A file where the run dir should go: nothing can be created under it (root or not).
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const o = cli([
      'packages/jepa/src/cli/train.ts',
      '--out',
      join(file, 'run'),
      '--steps',
      '1',
      '--baselines',
      'false',
    ]);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(new RegExp(`^error: out ${join(file, 'run')}: cannot write there \\(ENOTDIR`, 'm'));
  });

  it('a damaged train-cli.json in a run dir is named, field by field, by --resume', () => {
    const { pool, devFile } = tinyRun('cli-resume', 4, {});
    const out = join(dir, 'resumable');
    const run = ['--batch-size', '8', '--max-tokens', '16', '--expander', '64,64', '--eval-every', '0'];
    const files = ['--train-file', pool, '--eval-file', devFile, '--baselines', 'false'];
    const first = cli(['packages/jepa/src/cli/train.ts', ...run, ...files, '--steps', '1', '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const saved = join(out, 'train-cli.json');
    expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual({ baselines: false, recipe: 'default' });
    const resume = () => cli(['packages/jepa/src/cli/train.ts', '--resume', out, '--steps', '2']);
    writeFileSync(saved, '{"baselines": "no", "recipe": "default"}\n');
    expect(resume().stderr).toBe(`error: --resume ${saved}: "baselines" must be true or false, got "no"\n`);
    writeFileSync(saved, '{"baselines": false, "recipe": "defualt"}\n');
    expect(resume().stderr).toBe(
      `error: --resume ${saved}: "recipe" must be one of ${Object.keys(RECIPES).join(', ')}, got "defualt"\n`,
    );
    writeFileSync(saved, '{"baselines": false,');
    expect(resume().stderr).toMatch(new RegExp(`^error: --resume ${saved}: invalid JSON \\(`));
  });

  it('train --init with a non-BERT dir (a RoBERTa) says training starts from BERT dirs and what works instead', () => {
    const roberta = join(dir, 'roberta');
    mkdirSync(roberta);
    writeFileSync(join(roberta, 'config.json'), JSON.stringify({ model_type: 'roberta', hidden_size: 8 }));
    const r = cli(['packages/jepa/src/cli/train.ts', '--init', roberta, '--out', join(dir, 'r-run'), '--steps', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: --init ${roberta}: config.json says model_type "roberta"; training starts from BERT dirs only (score or embed it with pnpm eval / pnpm encode --model ${roberta})`,
    );
  });

  it('an eval file with no usable queries is an error, for eval and for train', () => {
    const f = join(dir, 'no-negatives.jsonl');
    writeFileSync(
      f,
      `${readFileSync(join(root, 'packages/jepa/data/askubuntu-rerank/dev.jsonl'), 'utf8')
        .split('\n')
        .slice(0, 3)
        .map((l) => JSON.stringify({ ...JSON.parse(l), negative: [] }))
        .join('\n')}\n`,
    );
    const e = cli(['packages/jepa/src/cli/eval.ts', '--model', 'tfidf', '--file', f]);
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr).toBe(
      `error: ${f}: no usable queries (each needs at least one positive and one negative candidate; 3 read)\n`,
    );
    const t = cli([
      'packages/jepa/src/cli/train.ts',
      '--eval-file',
      f,
      '--out',
      join(dir, 'run'),
      '--steps',
      '1',
      '--baselines',
      'false',
    ]);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain(`error: ${f}: no usable queries`);
  });
});
