// SIGTERM to pnpm reaches the eval/encode worker behind it: pnpm exits at once without forwarding
// the signal, and before, the worker ran on orphaned and later wrote its output. Now the worker sees
// its launcher go and exits too, writing nothing. A script that starts `pnpm encode &` and exits is
// not its launcher: that run goes on to the end.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shutdown } from '@jepa/tensor';
import { afterAll, expect, it } from 'vitest';
import { TRAIN_TITLES_PATH } from '../src/data/paths.ts';
import { randomEncoder } from '../src/model/load.ts';
import { exportModel } from '../src/train/checkpoint.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-stop-encode-'));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
afterAll(() => shutdown());

/** Live processes whose command line mentions `text`. */
function processesWith(text: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
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

async function tinyModel(): Promise<string> {
  const model = join(dir, 'model');
  if (existsSync(model)) return model;
  const enc = await randomEncoder('tiny', { pooling: 'mean' });
  await exportModel(model, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 32, objective: 'none', step: 0 });
  enc.bert.dispose();
  return model;
}

it.skipIf(!existsSync('/proc/self/stat'))(
  'SIGTERM to pnpm ends the encode worker behind it, which writes nothing',
  async () => {
    const model = await tinyModel();
    // 20 000 titles: tens of seconds of encoding, far longer than the stop takes.
    const titles = readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').filter(Boolean);
    const big = join(dir, 'big.txt');
    writeFileSync(big, `${Array.from({ length: 20_000 }, (_, i) => titles[i % titles.length]).join('\n')}\n`);
    const out = join(dir, 'never.npy');
    // `pnpm encode` as a user runs it, in its own process group (as a shell with job control starts it).
    const input = openSync(big, 'r');
    const p = spawn('pnpm', ['--silent', 'encode', '--model', model, '--out', out], {
      cwd: root,
      env,
      detached: true,
      stdio: [input, 'ignore', 'pipe'],
    });
    closeSync(input);
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    // The worker watches its launcher from before it opens the GPU; Dawn's start-up warnings on
    // stderr say it is past that point. (A stop in the worker's first second, before its watcher is
    // installed, is not seen: the known limit.)
    await until(() => /Warning: maxDynamic/.test(err), 60_000);
    expect(processesWith(out).length).toBeGreaterThan(0);
    process.kill(p.pid!, 'SIGTERM');
    try {
      await until(() => processesWith(out).length === 0, 15_000);
    } finally {
      for (const pid of processesWith(out)) process.kill(pid, 'SIGKILL'); // nothing orphaned if it failed
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]); // no temp file either
    expect(err).toMatch(/pnpm encode: stopped \(launcher exited\); nothing written/);
  },
  120_000,
);

it.skipIf(!existsSync('/proc/self/stat'))(
  'a script that starts pnpm encode in the background and exits leaves it running to the end',
  async () => {
    const model = await tinyModel();
    const titles = readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').filter(Boolean).slice(0, 3000);
    const input = join(dir, 'bg.txt');
    writeFileSync(input, `${titles.join('\n')}\n`);
    const out = join(dir, 'bg.npy');
    const err = join(dir, 'bg.err');
    // A non-interactive shell keeps its background job in its own process group; it exits once the
    // worker is past its start-up (Dawn's warnings), while the encoding still runs.
    const script = `pnpm --silent encode --model '${model}' --out '${out}' < '${input}' 2> '${err}' &
      until grep -q 'Warning: maxDynamic' '${err}' 2>/dev/null; do sleep 0.05; done`;
    const sh = spawn('bash', ['-c', script], { cwd: root, env, detached: true, stdio: 'ignore' });
    await new Promise((r) => sh.on('exit', r));
    expect(existsSync(out)).toBe(false); // still encoding when its shell is gone
    await until(() => !processesWith(out).length, 90_000);
    expect(readFileSync(err, 'utf8')).toMatch(`wrote ${titles.length} × 128 embeddings to ${out}`);
    expect(readFileSync(out).subarray(0, 128).toString('latin1')).toContain(`'shape': (${titles.length}, 128)`);
  },
  120_000,
);
