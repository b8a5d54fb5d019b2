// Shared CLI plumbing: run main, print errors plainly (no stack for user errors), always shut the
// GPU down so the process exits by itself.
import { shutdown } from '@jepa/tensor';

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

export function fmtMetric(v: number | undefined | null): string {
  return v === undefined || v === null || !Number.isFinite(v) ? '—' : v.toFixed(2);
}
