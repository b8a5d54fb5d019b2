// The output dir of a run: a new run never silently replaces an earlier one, and a dir that cannot
// be written is named before any work starts.
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { access, constants, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The lock file a running run holds in its dir: `{"pid":…,"host":…,"started":…}`. */
export const LOCK_FILE = '.lock';

export interface RunLock {
  /** Remove the lock (and the dir, when the lock created it and nothing else was written there). */
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  started?: string;
}

/** Is `pid` a live process on this host (EPERM: alive, another user's)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLockOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return Number.isInteger(o.pid) && typeof o.host === 'string' ? (o as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * Take the run dir's exclusive lock: a second run (or a --resume) on a dir a live run holds is refused
 * naming that run's pid. The lock file is written whole under a temporary name and linked into place
 * (link fails if it exists), so no one ever reads a half-written lock. A lock whose pid is not alive on
 * this host is stale (a killed run) and is taken over with a warning. `create`: make the dir if it is
 * missing (a new run); without it a missing dir takes no lock (the caller's checks name it).
 */
export function lockRunDir(dir: string, opts: { create: boolean; warn?: (m: string) => void }): RunLock {
  let created = false;
  if (!existsSync(dir)) {
    if (!opts.create) return { release() {} };
    try {
      created = makeDirs(dir);
    } catch (e) {
      throw cannotWrite(dir, e);
    }
  }
  const path = join(dir, LOCK_FILE);
  const tmp = join(dir, `${LOCK_FILE}.tmp-${process.pid}`);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  try {
    writeFileSync(tmp, `${JSON.stringify(me)}\n`);
  } catch (e) {
    throw cannotWrite(dir, e);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 200) throw e;
      }
      const owner = readLockOwner(path);
      if (owner && owner.pid === process.pid && owner.host === me.host) {
        throw new Error(`out ${dir}: another run is writing there (pid ${owner.pid}, this process; lock ${path})`);
      }
      if (owner && (owner.host !== me.host || pidAlive(owner.pid))) {
        throw new Error(
          `out ${dir}: another run is writing there (pid ${owner.pid}${owner.host !== me.host ? ` on ${owner.host}` : ''}, since ${owner.started ?? '?'}; lock ${path}); wait for it to end, or stop it first`,
        );
      }
      if (!removeStaleLock(path, owner, opts.warn)) sleepMs(10); // another process is taking it over: look again
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {}
  }
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    const owner = readLockOwner(path);
    if (owner?.pid === process.pid && owner.host === me.host) {
      try {
        unlinkSync(path);
      } catch {}
    }
    if (created) {
      try {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      } catch {}
    }
  };
  process.on('exit', release); // a process.exit (a second ^C) still frees the dir
  return { release };
}

/** How long a takeover may hold its mutex before it counts as abandoned (its process killed mid-takeover). */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Remove the stale lock `seen` at `path`, one process at a time: two runs that both found it stale
 * would otherwise each remove the lock the other had just taken. The takeover is serialised by a
 * mutex dir (mkdir is atomic) and the lock is removed only if it is still the stale one. False when
 * another process holds the mutex.
 */
function removeStaleLock(path: string, seen: LockOwner | null, warn?: (m: string) => void): boolean {
  const mutex = `${path}.takeover`;
  try {
    mkdirSync(mutex);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmdirSync(mutex);
    } catch {}
    return false;
  }
  try {
    const now = readLockOwner(path);
    if (existsSync(path) && sameOwner(now, seen)) {
      warn?.(
        `warning: out ${dirname(path)}: taking over a stale lock (${seen ? `pid ${seen.pid} is not running` : 'unreadable lock file'}; ${path})`,
      );
      unlinkSync(path);
    }
  } finally {
    rmdirSync(mutex);
  }
  return true;
}

const sameOwner = (a: LockOwner | null, b: LockOwner | null) =>
  a === b || (!!a && !!b && a.pid === b.pid && a.host === b.host && a.started === b.started);

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir reports ENOENT on a read-only file system
 * (not EROFS) and never returns under /proc. True when it created `dir`.
 */
function makeDirs(dir: string): boolean {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return missing.length > 0;
}

function cannotWrite(dir: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  const why = err.code ? err.message.split(',')[0] : err.message; // "EROFS: read-only file system"
  return new Error(`out ${dir}: cannot write there (${why}${err.path && err.path !== dir ? ` at ${err.path}` : ''})`);
}

/** What a run writes into its dir; `--overwrite` removes exactly these (nothing else of the user's). */
export const RUN_FILES = [
  'checkpoint',
  'checkpoint.old',
  'best',
  'model.safetensors',
  'config.json',
  'vocab.txt',
  'token_weights.safetensors',
  'metrics.jsonl',
  'train-config.json',
  'report.html',
  'train-cli.json',
];

/** The files in `dir` that show an earlier run lives there. */
export function runFilesIn(dir: string): string[] {
  return ['checkpoint', 'checkpoint.old', 'model.safetensors', 'metrics.jsonl'].filter((f) => existsSync(join(dir, f)));
}

/** A dir is claimed by a run once that run saved something worth keeping: a checkpoint or a model.
 *  A run that died before its first checkpoint (only metrics.jsonl, a config) can simply be rerun. */
export function claimedBy(dir: string): string[] {
  const found = runFilesIn(dir);
  return found.some((f) => f !== 'metrics.jsonl') ? found : [];
}

/**
 * Create (or check) the run dir. A dir with an earlier run is refused unless the run resumes it, or
 * `overwrite` asks to replace it, in which case the earlier run's files are removed first.
 */
export async function prepareRunDir(dir: string, opts: { resume: boolean; overwrite: boolean }): Promise<void> {
  if (!opts.resume) {
    const found = claimedBy(dir);
    if (found.length && !opts.overwrite) {
      throw new Error(
        `out ${dir}: already holds a run (${found.join(', ')}); continue it with --resume ${dir}, or replace it with --overwrite`,
      );
    }
    if (found.length) for (const f of RUN_FILES) await rm(join(dir, f), { recursive: true, force: true });
  }
  try {
    makeDirs(dir);
    await access(dir, constants.W_OK);
  } catch (e) {
    throw cannotWrite(dir, e);
  }
}
