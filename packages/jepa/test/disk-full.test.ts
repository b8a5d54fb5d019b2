// A disk that fills during a run loses nothing saved before: the write fails in-process (every file
// the trainer writes goes through node:fs/promises' open, wrapped here so that writes to chosen files
// fail with ENOSPC), and the run stops naming the file and the checkpoint that is intact; a resume
// once there is space again finishes the run with each metrics record once.
import '../../../test/gpu.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { REPORT_DATA_ID } from '../src/report/html.ts';
import { readMetrics, updateReport } from '../src/report/write.ts';
import { readTrainerState, replaceDir } from '../src/train/checkpoint.ts';
import { train } from '../src/train/trainer.ts';
import { tinyRun } from './tiny-run.ts';

/** While set, a write to a file whose path matches `path` fails once `bytes` bytes have gone to it. */
const fault: { path: RegExp | null; bytes: number } = vi.hoisted(() => ({ path: null, bytes: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof real.open>) => {
    const handle = await real.open(...args);
    const file = String(args[0]);
    let written = 0;
    return new Proxy(handle, {
      get(target, key) {
        if (key !== 'write') {
          const v = Reflect.get(target, key, target);
          return typeof v === 'function' ? v.bind(target) : v;
        }
        return async (buf: Uint8Array, offset = 0, length = buf.length - offset) => {
          if (fault.path?.test(file) && written + length > fault.bytes) {
            const e = new Error('ENOSPC: no space left on device, write') as NodeJS.ErrnoException;
            e.code = 'ENOSPC';
            e.syscall = 'write';
            throw e;
          }
          written += length;
          return target.write(buf, offset, length);
        };
      },
    }) as FileHandle;
  };
  return { ...real, open, default: { ...real, open } };
});

const { dir, cfg } = tinyRun('disk-full', 4, { steps: 4, warmup: 0, evalEvery: 2, evalQueries: 2 });

/** Every file under `d` with its content hash: "nothing changed" is these being equal. */
function hashes(d: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(d, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[p.slice(d.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

const temps = (out: string) => readdirSync(out).filter((f) => /\.tmp|\.old$/.test(f));
const keyed = (out: string) => readMetrics(out).then((rs) => rs.map((r) => `${r.kind}@${r.step}`));

describe('a full disk', () => {
  it('during a checkpoint: the run stops naming the file and the intact checkpoint; a resume finishes it', async () => {
    const out = join(dir, 'ckpt');
    let before: Record<string, string> = {};
    const run = train(cfg({ out }), {
      quiet: true,
      onStep: (done) => {
        if (done !== 3) return;
        before = hashes(join(out, 'checkpoint')); // the checkpoint of step 2
        fault.path = /checkpoint\.tmp-\d+[/\\]\.model\.safetensors\./; // its temporary file
      },
    });
    await expect(run).rejects.toThrow(
      new RegExp(
        `^checkpoint of step 4: cannot write ${out}/checkpoint\\.tmp-${process.pid}/model\\.safetensors \\(ENOSPC: no space left on device\\); the checkpoint of step 2 in ${out}/checkpoint is intact; free space, then continue with --resume ${out}$`,
      ),
    );
    fault.path = null;
    expect(hashes(join(out, 'checkpoint'))).toEqual(before);
    expect((await readTrainerState(out))!.step).toBe(2);
    expect(temps(out)).toEqual([]); // no half-written checkpoint dir, no temporary file
    expect(existsSync(join(out, '.lock'))).toBe(false);

    const s = await train(cfg({ out, resume: out }), { quiet: true });
    expect(s).toMatchObject({ stopped: 'done', steps: 4 });
    const keys = await keyed(out);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('eval'))).toEqual(['eval@2', 'eval@4']);
  });

  it('during the final export: the checkpoint is intact, and a resume exports it with one final evaluation', async () => {
    const out = join(dir, 'export');
    fault.path = new RegExp(`^${out}/\\.model\\.safetensors\\.`); // the top-level model's temporary file
    await expect(train(cfg({ out }), { quiet: true })).rejects.toThrow(
      `export of step 4 to ${out}: cannot write ${out}/model.safetensors (ENOSPC: no space left on device); the checkpoint of step 4 in ${out}/checkpoint is intact; free space, then finish the export with --resume ${out}`,
    );
    fault.path = null;
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    expect(temps(out)).toEqual([]);
    const s = await train(cfg({ out, resume: out }), { quiet: true });
    expect(s).toMatchObject({ stopped: 'done', steps: 4 });
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
    const keys = await keyed(out);
    expect(keys.filter((k) => k === 'eval@4')).toEqual(['eval@4']); // before: the final evaluation twice
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('during an export of best/: the run stops naming it; a failed replacement leaves the earlier dir as it was', async () => {
    const out = join(dir, 'best');
    fault.path = /best\.tmp-\d+[/\\]\.model\.safetensors\./;
    await expect(train(cfg({ out }), { quiet: true })).rejects.toThrow(
      `${out}/best (step 2): cannot write ${out}/best.tmp-${process.pid}/model.safetensors (ENOSPC: no space left on device); no best/ was written; no checkpoint had been saved yet`,
    );
    fault.path = null;
    expect(temps(out)).toEqual([]);
    // replaceDir, which best/ and checkpoint/ are written through: the earlier dir survives a failed write.
    const final = join(dir, 'replace', 'best');
    mkdirSync(final, { recursive: true });
    writeFileSync(join(final, 'model.safetensors'), 'earlier');
    const failing = async (tmp: string) => {
      mkdirSync(tmp);
      writeFileSync(join(tmp, 'config.json'), '{}');
      throw new Error('ENOSPC: no space left on device, write');
    };
    await expect(replaceDir(final, 'best.tmp-1', failing)).rejects.toThrow('ENOSPC');
    expect(readdirSync(join(dir, 'replace'))).toEqual(['best']);
    expect(readFileSync(join(final, 'model.safetensors'), 'utf8')).toBe('earlier');
  });
});

describe('metrics.jsonl read back', () => {
  it('drops a last line cut short by a crash; names a bad line anywhere else', async () => {
    const d = mkdtempSync(join(dir, 'metrics-'));
    const good = '{"kind":"train","step":1,"loss":2}\n{"kind":"eval","step":1,"map":30}\n';
    writeFileSync(join(d, 'metrics.jsonl'), `${good}{"kind":"tra`);
    expect((await readMetrics(d)).map((r) => r.step)).toEqual([1, 1]);
    writeFileSync(join(d, 'metrics.jsonl'), `{"kind":"tra\n${good}`);
    await expect(readMetrics(d)).rejects.toThrow(`${join(d, 'metrics.jsonl')}:1: invalid JSON`);
    writeFileSync(join(d, 'metrics.jsonl'), `${good}{"kind":"train","step":"7"}\n`);
    await expect(readMetrics(d)).rejects.toThrow(
      `${join(d, 'metrics.jsonl')}:3: "step" must be a non-negative integer, got "7"`,
    );
    writeFileSync(join(d, 'metrics.jsonl'), `{"step":1}\n`);
    await expect(readMetrics(d)).rejects.toThrow(
      `${join(d, 'metrics.jsonl')}:1: "kind" must be "train" or "eval", got nothing`,
    );
  });

  it("report.html's redraw names a damaged train-config.json or data block", async () => {
    const d = mkdtempSync(join(dir, 'report-'));
    writeFileSync(join(d, 'train-config.json'), '{"objective": "jepa",');
    await expect(updateReport(d, {})).rejects.toThrow(`${join(d, 'train-config.json')}: invalid JSON (`);
    writeFileSync(join(d, 'train-config.json'), '[]');
    await expect(updateReport(d, {})).rejects.toThrow(
      `${join(d, 'train-config.json')}: expected a JSON object, got []`,
    );
    writeFileSync(join(d, 'train-config.json'), '{"objective": "jepa", "preset": "tiny"}');
    writeFileSync(join(d, 'report.html'), `<script type="application/json" id="${REPORT_DATA_ID}">{"title": </script>`);
    await expect(updateReport(d, {})).rejects.toThrow(
      `${join(d, 'report.html')} (its "${REPORT_DATA_ID}" block): invalid JSON (`,
    );
  });
});
