// Shared CLI plumbing: run main, print errors plainly (no stack for user errors), always shut the
// GPU down so the process exits by itself.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { shutdown } from '@jepa/tensor';

// biome-ignore lint/suspicious/noConfusingVoidType: a main that returns nothing exits 0
export async function runCli(main: () => Promise<number | void>): Promise<void> {
  let code = 0;
  try {
    code = (await main()) ?? 0;
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.JEPA_DEBUG) process.stderr.write(`${err.stack}\n`);
    code = 1;
  } finally {
    await shutdown().catch(() => undefined);
  }
  process.exitCode = code;
}

/** How the user runs this CLI: `jepa-train` from an installed package's bin, `pnpm train` in the repository. */
export function commandName(name: 'train' | 'eval' | 'encode'): string {
  return basename(process.argv[1] ?? '').startsWith('jepa-') ? `jepa-${name}` : `pnpm ${name}`;
}

export function fmtMetric(v: number | undefined | null): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(2);
}

/** A JSON object from a file; errors name the file (`what` is how the user gave it, e.g. "--config"). */
export function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new Error(`${what} ${path}: cannot read (${err.code ?? err.message})`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path}: invalid JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${what} ${path}: expected a JSON object`);
  return v as Record<string, unknown>;
}
