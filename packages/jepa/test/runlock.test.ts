// A run dir belongs to one run at a time: a second `pnpm train` (or a --resume) on a dir a live run
// holds is refused naming that run's pid, and the first run's model survives; a lock left by a killed
// run is taken over; a dir whose run died before its first checkpoint can simply be rerun.
import '../../../test/gpu.ts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTrainerState } from '../src/train/checkpoint.ts';
import { LOCK_FILE, lockRunDir } from '../src/train/rundir.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { dir, pool, devFile, cfg } = tinyRun('runlock', 4, { steps: 4, warmup: 0 });

/** `pnpm train ARGS` as another process (node + tsx, as the CLI tests run it). */
function trainCli(args: string[], runFlags = true) {
  const flags = runFlags
    ? [
        '--batch-size',
        '8',
        '--max-tokens',
        '16',
        '--expander',
        '64,64',
        '--eval-every',
        '0',
        '--train-file',
        pool,
        '--eval-file',
        devFile,
      ]
    : [];
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'packages/jepa/src/cli/train.ts', ...flags, '--baselines', 'false', ...args],
    { cwd: root, encoding: 'utf8', timeout: 90_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } },
  );
  return { code: r.status, stderr: r.stderr };
}

const modelStep = (out: string) =>
  (JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { jepa: { step: number } }).jepa.step;

describe('the run-dir lock', () => {
  it('a second run, a --resume and an --overwrite on a dir a live run holds are refused naming its pid; its model survives', async () => {
    const out = join(dir, 'busy');
    await train(cfg({ out }), { quiet: true, stopAfter: 2 }); // a checkpoint to --resume
    const seen: { code: number | null; stderr: string }[] = [];
    const s = await train(cfg({ out, resume: out }), {
      quiet: true,
      onStep: (done) => {
        if (done !== 3) return;
        // While this run holds the dir (the event loop waits for these), other processes try it.
        expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8'))).toMatchObject({
          pid: process.pid,
          host: hostname(),
        });
        seen.push(trainCli(['--steps', '4', '--seed', '2', '--out', out]));
        seen.push(trainCli(['--steps', '4', '--seed', '2', '--out', out, '--overwrite']));
        seen.push(trainCli(['--resume', out, '--steps', '6'], false));
      },
    });
    expect(seen).toHaveLength(3);
    for (const r of seen) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`out ${out}: another run is writing there (pid ${process.pid}`);
    }
    // The first run finished undisturbed: its model, its checkpoint, and the lock given back.
    expect(s).toMatchObject({ stopped: 'done', steps: 4 });
    expect(modelStep(out)).toBe(4);
    expect((await readTrainerState(out))!.step).toBe(4);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('in one process too: a second train() into a dir being trained is refused', async () => {
    const out = join(dir, 'same-process');
    let second: Promise<string> | null = null;
    await train(cfg({ out, steps: 2 }), {
      quiet: true,
      onStep: (done) => {
        if (done === 1)
          second = train(cfg({ out, steps: 2, seed: 7 }), { quiet: true }).then(
            () => 'trained',
            (e: Error) => e.message,
          );
      },
    });
    expect(await second!).toContain(`out ${out}: another run is writing there (pid ${process.pid}, this process`);
    expect(modelStep(out)).toBe(2);
  });

  it('a stale lock (its pid not running on this host) is taken over with a warning', async () => {
    const out = join(dir, 'stale');
    mkdirSync(out, { recursive: true });
    const dead = { pid: 2147483646, host: hostname(), started: '2026-01-01T00:00:00.000Z' };
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(dead));
    const warnings: string[] = [];
    const lock = lockRunDir(out, { create: true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([
      `warning: out ${out}: taking over a stale lock (pid 2147483646 is not running; ${join(out, LOCK_FILE)})`,
    ]);
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    // And a whole run over a stale lock: it trains and gives the lock back.
    writeFileSync(join(out, LOCK_FILE), JSON.stringify(dead));
    const s = await train(cfg({ out, steps: 2 }), { quiet: true });
    expect(s).toMatchObject({ stopped: 'done', steps: 2 });
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });

  it('a live lock of another process is refused naming its pid; a failed start gives the lock back', async () => {
    const out = join(dir, 'live');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), started: 'then' }));
    await expect(train(cfg({ out, steps: 2 }), { quiet: true })).rejects.toThrow(
      `out ${out}: another run is writing there (pid ${process.ppid}, since then; lock ${join(out, LOCK_FILE)}); wait for it to end, or stop it first`,
    );
    expect(JSON.parse(readFileSync(join(out, LOCK_FILE), 'utf8')).pid).toBe(process.ppid); // not ours to remove
    // A run that fails its checks leaves no lock (and no empty dir it created).
    const fresh = join(dir, 'fails');
    await expect(train(cfg({ out: fresh, steps: 2 }), { quiet: true, finishAt: 9 })).rejects.toThrow('--stop-after');
    expect(existsSync(fresh)).toBe(false);
  });

  it('a dir whose run died before its first checkpoint is not claimed: it is rerun without --overwrite', async () => {
    const out = join(dir, 'died-early');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'metrics.jsonl'), '{"kind":"train","step":1,"loss":1}\n');
    writeFileSync(join(out, 'train-config.json'), '{}\n');
    const s = await train(cfg({ out, steps: 2 }), { quiet: true });
    expect(s).toMatchObject({ stopped: 'done', steps: 2 });
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    expect(metrics).not.toContain('"loss":1}'); // the dead run's records are not this run's
    expect(metrics).toContain('"kind":"eval","step":2');
    expect((await readTrainerState(out))!.step).toBe(2);
  });

  it('processes that all find the same stale lock: exactly one takes it over', async () => {
    const out = join(dir, 'race');
    const rundir = join(root, 'packages/jepa/src/train/rundir.ts');
    // Each contender waits for the same moment and tries the lock; the one that got it holds it until
    // every contender has answered (a late starter on a loaded machine must still find it held).
    const release = `${out}.release`;
    const script = `import { existsSync } from 'node:fs';
      import { lockRunDir } from ${JSON.stringify(rundir)};
      while (Date.now() < Number(process.env.AT)) {}
      try {
        const l = lockRunDir(process.env.OUT, { create: true });
        console.log('got');
        const t = setInterval(() => { if (existsSync(process.env.RELEASE) || Date.now() > Number(process.env.AT) + 60000) { clearInterval(t); l.release(); } }, 20);
      } catch (e) { console.log(/another run is writing there/.test(e.message) ? 'refused' : 'error: ' + e.message); }`;
    for (let round = 0; round < 3; round++) {
      mkdirSync(out, { recursive: true });
      rmSync(release, { force: true });
      writeFileSync(
        join(out, LOCK_FILE),
        JSON.stringify({ pid: 2147483646, host: hostname(), started: `round ${round}` }),
      );
      const at = Date.now() + 2000;
      const kids = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
          cwd: root,
          env: { ...process.env, AT: String(at), OUT: out, RELEASE: release },
        }),
      );
      const closed = kids.map((k) => new Promise((done) => k.on('close', done)));
      const said = await Promise.all(
        kids.map(
          (k) =>
            new Promise<string>((done) => {
              let text = '';
              k.stdout.on('data', (d: Buffer) => {
                text += d.toString();
                if (text.includes('\n')) done(text.trim());
              });
              k.on('close', () => done(text.trim()));
            }),
        ),
      );
      writeFileSync(release, '');
      await Promise.all(closed);
      expect(
        said.filter((x) => x === 'got'),
        said.join(' | '),
      ).toHaveLength(1);
      expect(said.filter((x) => x === 'refused')).toHaveLength(5);
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
      expect(existsSync(join(out, `${LOCK_FILE}.takeover`))).toBe(false);
    }
  });
});
