// Stopping a run from outside without losing it. The first SIGINT / SIGTERM / SIGHUP — or the
// launcher of this job (pnpm, `sh -c`, tsx, scripts/train.sh) exiting — aborts `signal`: the trainer
// finishes its step and checkpoints. A second SIGINT / SIGTERM exits at once without saving.
// SIGUSR2 is a stop request that never counts as a repeat (what the tsx relay below sends).
//
// Why the launcher is watched: on ^C pnpm exits at once without waiting for its child, and on
// SIGTERM it exits without forwarding the signal, so the trainer would keep running orphaned.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename } from 'node:path';

export interface Interrupt {
  /** Aborted (reason: a short text such as "SIGINT") by the first stop request. */
  readonly signal: AbortSignal;
  dispose(): void;
}

export interface InterruptOptions {
  log: (msg: string) => void;
  /** What an abort without saving leaves behind, e.g. "runs/x/checkpoint (step 200) is intact". */
  kept: () => string;
  /** How often the launcher is checked (ms). */
  pollMs?: number;
}

const CODES: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/** The exit code for a run stopped by `reason` (128 + signal number; 143, terminated, otherwise). */
export function stopExitCode(reason: unknown): number {
  return CODES[String(reason)] ?? 143;
}

export function installInterrupt(opts: InterruptOptions): Interrupt {
  const ctl = new AbortController();
  // Writes to a terminal that went away (SIGHUP) fail with EIO/EPIPE: the run still saves.
  const ignore = () => undefined;
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  // The launcher's exit may be seen before the ^C that caused it reaches us: that first signal is
  // still announced (and still only the first), so the user learns the next one aborts.
  let byLauncher = false;
  const stop = (why: string) => {
    const signal = why in CODES;
    if (ctl.signal.aborted && !(byLauncher && signal)) return;
    opts.log(
      `${why}: finishing the current step, then saving a checkpoint (press Ctrl-C again to abort without saving)`,
    );
    byLauncher = !signal;
    if (!ctl.signal.aborted) ctl.abort(signal ? why : 'launcher exited');
  };
  // Only SIGINT / SIGTERM received directly count towards the second, aborting one: a ^C reaches
  // both this process and a relaying parent, whose SIGUSR2 may arrive first.
  let direct = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' || sig === 'SIGTERM') direct++;
    if (direct < 2) return stop(sig === 'SIGUSR2' ? 'stop requested' : sig);
    opts.log(`${sig} again: aborting without saving; ${opts.kept()}`);
    process.exit(CODES[sig] ?? 130);
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGUSR2'];
  for (const s of sigs) process.on(s, onSignal);
  const launchers = launcherProcesses();
  const timer = launchers.length
    ? setInterval(() => {
        const gone = launchers.find((l) => procStat(l.pid)?.pgrp !== l.pgrp);
        if (gone) stop(`${gone.comm} (pid ${gone.pid}, which started this run) exited`);
      }, opts.pollMs ?? 500)
    : null;
  timer?.unref();
  return {
    signal: ctl.signal,
    dispose() {
      for (const s of sigs) process.off(s, onSignal);
      if (timer) clearInterval(timer);
    },
  };
}

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
}

function procStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = s.lastIndexOf(')');
    const f = s.slice(close + 2).split(' '); // state ppid pgrp session ...
    return { pid, comm: s.slice(s.indexOf('(') + 1, close), ppid: Number(f[1]), pgrp: Number(f[2]) };
  } catch {
    return null;
  }
}

const PACKAGE_MANAGER = /^(pnpm|npm|npx|yarn|bun)(-cli)?(\.c?js)?$/;
const SHELL = /^(sh|bash|dash|zsh|ksh|fish)$/;

function isPackageManager(s: ProcStat): boolean {
  let argv: string[] = [];
  try {
    argv = readFileSync(`/proc/${s.pid}/cmdline`, 'utf8').split('\0').slice(0, 2);
  } catch {
    // gone meanwhile
  }
  return [s.comm, ...argv].some((a) => PACKAGE_MANAGER.test(basename(a.split(' ')[0] ?? '')));
}

/**
 * The processes that launched this job: our ancestors inside our own process group (a shell with job
 * control puts pnpm, its `sh -c` and node in one group) up to the package manager (pnpm, npm, npx,
 * yarn) that ran the script; with none, up to the first shell. Above that is the user's own: a script
 * that starts `pnpm train &` and exits has not asked the run to stop. Empty where /proc is unavailable.
 */
export function launcherProcesses(): ProcStat[] {
  const me = procStat(process.pid);
  if (!me) return [];
  const chain: ProcStat[] = [];
  for (let s = procStat(me.ppid); s && s.pid > 1 && s.pgrp === me.pgrp; s = procStat(s.ppid)) {
    chain.push(s);
    if (isPackageManager(s)) return chain;
  }
  const shell = chain.findIndex((s) => SHELL.test(s.comm));
  return shell < 0 ? chain : chain.slice(0, shell);
}

const TSX_PREFLIGHT = /tsx[\\/]dist[\\/]preflight\.cjs$/;

/**
 * Under the `tsx` CLI a script runs in a child whose parent relays ^C and SIGKILLs the child when
 * its JavaScript has not acknowledged within 30 ms, which a busy training step easily misses. There
 * we start the script again as a plain `node --import <tsx loader>` child and stay an idle relay:
 * it acknowledges at once, passes any stop on as SIGUSR2 and exits with the child's code.
 * Returns false (run normally) when not under the tsx CLI.
 */
export async function leaveTsxRelay(): Promise<boolean> {
  const argv = process.execArgv;
  const at = argv.findIndex((a) => TSX_PREFLIGHT.test(a));
  if (at < 0) return false;
  const execArgv = argv.filter((_, i) => i !== at && !(i === at - 1 && argv[i] === '--require'));
  const child = spawn(process.execPath, [...execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  const pass = () => child.kill('SIGUSR2');
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, pass);
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (c, sig) => resolve(c ?? 128 + (sig ? constants.signals[sig] : 0)));
    child.on('error', (e) => {
      process.stderr.write(`error: cannot start ${process.execPath}: ${e.message}\n`);
      resolve(1);
    });
  });
  process.exitCode = code;
  return true;
}

/**
 * For a command with nothing to save (eval, encode): the first stop request — a signal, or the
 * launcher (pnpm, tsx) exiting, which on SIGTERM does not forward it — ends the process at once with
 * the signal's exit code, so no worker runs on orphaned and later writes or prints. Outputs are
 * written atomically, so nothing half-written is left.
 */
export function exitOnStop(command: string, left: () => string = () => 'nothing written'): Interrupt {
  const it = installInterrupt({ log: () => undefined, kept: () => 'nothing to save', pollMs: 250 });
  it.signal.addEventListener('abort', () => {
    process.stderr.write(`${command}: stopped (${String(it.signal.reason)}); ${left()}\n`);
    process.exit(stopExitCode(it.signal.reason));
  });
  return it;
}
