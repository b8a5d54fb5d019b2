// pnpm bench:profile [--preset tiny|mini|base] [--batch B] [--tokens T] [--fwd-bwd] [--jepa] [--runs N]
// Where a training step's time goes, per kernel: steps with each dispatch in its own
// timestamp-queried pass, grouped by kernel name (dispatches, GPU ms, share), beside the step's wall
// time (median of --runs) and its GPU time with the usual batched passes. Wall − GPU is host work
// (recording, bind groups, submits) plus buffer copies and clears, which run outside compute passes.
// A step dispatches the same kernels in the same order every time, so each dispatch's time is the
// least over --runs profiled steps: on a shared machine that drops the preempted runs.
import { init, runtime, shutdown } from '@jepa/kernels';
import type { BertPreset } from '@jepa/nn';
import { bertRow, jepaRow } from './rows.ts';
import { fmtNum, median, table } from './timing.ts';

function arg(argv: string[], k: string, d: string): string {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : d;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const preset = arg(argv, '--preset', 'tiny') as BertPreset;
  const batch = Number(arg(argv, '--batch', '32'));
  const tokens = Number(arg(argv, '--tokens', '32'));
  const runs = Number(arg(argv, '--runs', '3'));
  const row = argv.includes('--jepa')
    ? jepaRow(preset, batch, tokens)
    : bertRow(preset, batch, tokens, !argv.includes('--fwd-bwd'));
  await init();
  const rt = runtime();
  const c = row.ours();
  try {
    const step = async () => {
      c.run();
      await rt.sync();
    };
    await step(); // warm-up: pipelines, pools
    const wall: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await step();
      wall.push(performance.now() - t0);
    }
    const d0 = rt.counters.dispatches,
      s0 = rt.counters.submits;
    if (!rt.startTiming()) throw new Error('profile: the adapter has no timestamp-query');
    c.run();
    const gpu = (await rt.stopTiming())!;
    const dispatches = rt.counters.dispatches - d0,
      submits = rt.counters.submits - s0;
    let passes: { label: string; ms: number }[] | null = null;
    for (let r = 0; r < runs; r++) {
      rt.startProfile();
      c.run();
      const p = await rt.stopProfile();
      if (!p) throw new Error('profile: too many dispatches for the query sets');
      if (passes && (p.length !== passes.length || p.some((x, i) => x.label !== passes![i].label)))
        throw new Error('profile: the step dispatched different kernels on different runs');
      passes = passes ? passes.map((x, i) => ({ label: x.label, ms: Math.min(x.ms, p[i].ms) })) : p;
    }
    if (!passes) throw new Error('profile: --runs must be at least 1');
    const per = new Map<string, { n: number; ms: number }>();
    for (const p of passes) {
      const e = per.get(p.label) ?? { n: 0, ms: 0 };
      e.n++;
      e.ms += p.ms;
      per.set(p.label, e);
    }
    const total = passes.reduce((a, p) => a + p.ms, 0);
    const rows = [...per].sort((a, b) => b[1].ms - a[1].ms);
    const isMatmul = (k: string) => /matmul|linear/i.test(k);
    const mm = rows.filter(([k]) => isMatmul(k)).reduce((a, [, e]) => a + e.ms, 0);
    console.log(`${row.op} ${row.shape} on ${rt.gpu.info.adapter}`);
    console.log(
      `wall ${fmtNum(median(wall))} ms (median of ${runs}); GPU ${fmtNum(gpu)} ms in batched passes; ` +
        `${dispatches} dispatches in ${submits} submits; per-dispatch passes sum to ${fmtNum(total)} ms ` +
        `(least of ${runs} steps per dispatch; matmul ${fmtNum(mm)} ms = ${fmtNum((100 * mm) / total)} %, other ${fmtNum(total - mm)} ms)`,
    );
    console.log(
      table(
        ['kernel', 'dispatches', 'GPU ms', 'share'],
        rows.map(([k, e]) => [k, e.n, fmtNum(e.ms), `${fmtNum((100 * e.ms) / total, 1)} %`]),
      ),
    );
  } finally {
    c.dispose();
    await shutdown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
