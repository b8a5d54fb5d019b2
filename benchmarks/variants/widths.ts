// subgroupShared at llvmpipe's two vector widths, in alternating rounds: the width is fixed when the
// driver loads (LP_NATIVE_VECTOR_WIDTH), so each round runs one child process per width (the order
// alternating from round to round), each timing every block on every case; the parent prints each
// (width, block, case)'s median GFLOP/s over rounds with its min–max, and the load average.
//   pnpm exec tsx benchmarks/variants/widths.ts [--rounds 4] [--cases sq1024,bert-qkv] [--blocks8 32x4] [--blocks16 32x4,64x8]
// GFLOP/s from process CPU time ÷ llvmpipe's threads (least of the runs), as the harness's tables.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, runtime, shutdown } from '@jepa/kernels';
import type { SgConfig } from '@jepa/kernels/variants';
import { fmtNum, median, table } from '../src/timing.ts';
import { cpuGflops, flopsOf, lpThreads, mmBuffers, shapeLabel, timeCase, VARIANT_CASES } from './matmul.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const blocks = (s: string): SgConfig[] =>
  s.split(',').map((b) => {
    const [R, C] = b.split('x').map(Number);
    return { R, C };
  });

interface Sample {
  block: string;
  cse: string;
  gflops: number;
}

async function child(): Promise<void> {
  await init();
  const W = runtime().gpu.info.subgroupSize;
  const cfgs = blocks(arg(W === 16 ? '--blocks16' : '--blocks8', '32x4'));
  const cases = VARIANT_CASES.filter((c) => arg('--cases', 'sq1024').split(',').includes(c.name));
  const out: Sample[] = [];
  try {
    for (const c of cases) {
      const bufs = mmBuffers(c);
      for (const cfg of cfgs) {
        const t = await timeCase(c, bufs, 'subgroupShared', cfg);
        out.push({ block: `R${cfg.R} C${cfg.C}`, cse: shapeLabel(c), gflops: cpuGflops(flopsOf(c), t, lpThreads()) });
      }
      bufs.free();
    }
  } finally {
    await shutdown();
  }
  console.log(`RESULT ${JSON.stringify({ W, out })}`);
}

function parent(): void {
  const rounds = Number(arg('--rounds', '4'));
  const self = fileURLToPath(import.meta.url);
  const fwd = process.argv.slice(2);
  const samples = new Map<string, number[]>();
  const load0 = loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    for (const width of r % 2 ? ['512', '256'] : ['256', '512']) {
      const text = execFileSync(process.execPath, [...process.execArgv, self, '--child', ...fwd], {
        env: { ...process.env, LP_NATIVE_VECTOR_WIDTH: width },
        encoding: 'utf8',
      });
      const line = text.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`widths: no RESULT line from the ${width}-bit child, got ${text.slice(-500)}`);
      const { W, out } = JSON.parse(line.slice(7)) as { W: number; out: Sample[] };
      for (const s of out) {
        const k = `${W} lanes|${s.block}|${s.cse}`;
        samples.set(k, [...(samples.get(k) ?? []), s.gflops]);
      }
      process.stdout.write('.');
    }
  }
  process.stdout.write('\n');
  const rows = [...samples].map(([k, v]) => [
    ...k.split('|'),
    fmtNum(median(v)),
    `${fmtNum(Math.min(...v))}–${fmtNum(Math.max(...v))}`,
    v.length,
  ]);
  console.log(
    `subgroupShared by width, GFLOP/s from CPU time ÷ ${lpThreads()} threads, ${rounds} alternating rounds; ` +
      `load ${load0.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
  );
  console.log(table(['width', 'block', 'shape (batch×M×K×N)', 'median', 'min–max', 'rounds'], rows));
}

if (process.argv.includes('--child')) {
  child().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else parent();
