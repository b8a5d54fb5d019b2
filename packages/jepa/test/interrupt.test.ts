// Stopping a run from outside, as users do: ^C typed into `pnpm train` in a terminal (a real
// pseudo-terminal, so the whole process group gets it), a second ^C, SIGTERM to pnpm, and the tsx
// CLI, whose relay kills a child that does not answer within 30 ms.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = join(root, 'packages/jepa/test/fixtures');
const dir = mkdtempSync(join(tmpdir(), 'jepa-interrupt-'));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

interface PtyResult {
  output: string;
  exit: number;
  treeExited: boolean;
  secondsAfterCtrlC: number | null;
  pressed: number;
}

/** Run `cmd` in a pseudo-terminal, typing ^C `delays` seconds after `pattern` shows up. */
function inTerminal(pattern: string, delays: number[], cmd: string[], timeout = 150): PtyResult {
  const r = spawnSync(
    'python3',
    [join(fixtures, 'pty-run.py'), root, pattern, delays.join(','), String(timeout), '--', ...cmd],
    {
      encoding: 'utf8',
      env,
      timeout: (timeout + 30) * 1000,
    },
  );
  if (r.status !== 0) throw new Error(`pty-run.py: ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}

const savedStep = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'checkpoint', 'state.json'), 'utf8')) as { extra: { step: number } }).extra.step;

describe('pnpm train in a terminal', () => {
  const pool = join(dir, 'pool.txt');
  writeFileSync(pool, readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 400).join('\n'));
  const dev = join(dir, 'dev.jsonl');
  writeFileSync(dev, `${readFileSync(ASKUBUNTU_DEV_PATH, 'utf8').split('\n').slice(0, 4).join('\n')}\n`);
  const out = join(dir, 'run');

  it('one ^C: the step finishes, a checkpoint is saved and every process exits', () => {
    const r = inTerminal(
      '/2000 |',
      [0.5],
      [
        'pnpm',
        'train',
        '--steps',
        '2000',
        '--batch-size',
        '16',
        '--expander',
        '256,256',
        '--train-file',
        pool,
        '--eval-file',
        dev,
        '--eval-every',
        '0',
        '--baselines',
        'false',
        '--out',
        out,
      ],
    );
    expect(r.pressed, r.output).toBe(1);
    expect(r.treeExited, r.output).toBe(true);
    expect(r.secondsAfterCtrlC!).toBeLessThan(60);
    const step = Number(
      /stopped at step (\d+); checkpoint saved in .*checkpoint; resume with: pnpm train --resume /.exec(r.output)?.[1],
    );
    expect(step, r.output).toBeGreaterThan(0);
    expect(savedStep(out)).toBe(step);
  }, 200_000);

  it('two ^C: the second says it aborts without saving, and the last checkpoint stays as it was', () => {
    const before = savedStep(out);
    // Resuming needs no flags: every setting comes from the run.
    const r = inTerminal(`${before + 1}/2000 |`, [0, 0.25], ['pnpm', 'train', '--resume', out]);
    expect(r.pressed, r.output).toBe(2);
    expect(r.treeExited, r.output).toBe(true);
    expect(r.output).toMatch(
      /SIGINT: finishing the current step, then saving a checkpoint \(press Ctrl-C again to abort without saving\)/,
    );
    expect(r.output).toContain(
      `SIGINT again: aborting without saving; the checkpoint in ${join(out, 'checkpoint')} (step ${before}) is intact`,
    );
    expect(r.output).not.toMatch(/stopped at step/);
    expect(savedStep(out)).toBe(before);
  }, 200_000);

  it("a resumed run keeps the CLI's --baselines false", () => {
    const short = join(dir, 'short');
    const run = (...args: string[]) =>
      spawnSync('pnpm', ['--silent', 'train', ...args], { cwd: root, encoding: 'utf8', env, timeout: 150_000 });
    const a = run(
      '--steps',
      '3',
      '--stop-after',
      '2',
      '--batch-size',
      '8',
      '--train-file',
      pool,
      '--eval-file',
      dev,
      '--baselines',
      'false',
      '--out',
      short,
    );
    expect(a.status, a.stderr).toBe(0);
    const b = run('--resume', short);
    expect(b.status, b.stderr).toBe(0);
    const result = JSON.parse(b.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(result.steps).toBe(3);
    expect(result.baselines).toBeUndefined();
    expect(b.stderr).not.toContain('TF-IDF cosine');
  }, 200_000);
  it('the CLI options (--baselines false) are in the run dir while it trains, not only at its end', async () => {
    // So a run that dies without saving them (SIGKILL here; a second ^C exits as abruptly) still
    // resumes with them.
    const early = join(dir, 'early');
    const p = spawn(
      'pnpm',
      [
        '--silent',
        'train',
        '--steps',
        '2000',
        '--batch-size',
        '8',
        '--train-file',
        pool,
        '--eval-file',
        dev,
        '--baselines',
        'false',
        '--out',
        early,
      ],
      { cwd: root, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await until(() => /\d+\/2000 \|/.test(err), 120_000);
    } finally {
      process.kill(-p.pid!, 'SIGKILL');
    }
    expect(JSON.parse(readFileSync(join(early, 'train-cli.json'), 'utf8'))).toEqual({
      baselines: false,
      recipe: 'default',
    });
  }, 200_000);
});

describe('signals to the launcher', () => {
  it('SIGTERM to pnpm stops the run behind it, which saves', async () => {
    const pkg = mkdtempSync(join(dir, 'pkg-'));
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'stoppable',
        private: true,
        scripts: { run: `cd ${root} && node --import tsx packages/jepa/test/fixtures/stoppable.ts` },
      }),
    );
    // Its own process group, as a shell with job control starts it.
    const p = spawn('pnpm', ['--silent', 'run', 'run'], {
      cwd: pkg,
      env,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const pid = await until(() => Number(/ready (\d+)/.exec(err)?.[1]) || 0, 60_000);
    process.kill(p.pid!, 'SIGTERM');
    await until(() => !alive(pid), 15_000);
    await until(() => /saved after \d+ steps/.test(err), 5000);
    expect(err).toMatch(
      /\(pid \d+, which started this run\) exited: finishing the current step, then saving a checkpoint/,
    );
  }, 90_000);

  it('under the tsx CLI a ^C reaches a run whose steps hold the event loop', () => {
    const r = inTerminal('ready', [0.5], ['node_modules/.bin/tsx', 'packages/jepa/test/fixtures/stoppable.ts'], 60);
    expect(r.treeExited, r.output).toBe(true);
    expect(r.output).toMatch(/saved after \d+ steps/);
    expect(r.exit).toBe(130);
  }, 90_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(f: () => T, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
