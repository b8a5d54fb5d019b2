// Vitest global setup: every test's temp files (os.tmpdir(), here and in the CLIs the tests spawn)
// go under one directory for the run, removed when the run ends. Training tests write checkpoints;
// left behind, a few runs of the suite fill a disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'jepa-tests-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir; // forks inherit it; os.tmpdir() reads it at each call
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    if (process.env.JEPA_KEEP_TEST_TMP) {
      console.log(`test temp files kept in ${dir}`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
