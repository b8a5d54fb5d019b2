// The long soak: one run of STEPS steps (default 5000; JEPA with every tensor training and SIF
// pooling — more live buffers than the main job, whose layers are frozen — periodic evaluation
// every 250 steps) sampling RSS and the live GPU buffer count every 50 steps. Writes
// runs/soak/samples.csv and prints a summary: each measure after warm-up (the first 10% of steps) as
// min / max and its growth per 1000 steps (a least-squares slope).
// Run: flock /tmp/heavy.lock pnpm exec tsx scripts/soak.ts [STEPS]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, train } from '@jepa/jepa';
import { runtime, shutdown } from '@jepa/tensor';

const steps = Number(process.argv[2] ?? 5000);
const out = 'runs/soak';
const samples: { step: number; rssMiB: number; heapMiB: number; buffers: number }[] = [];
const run = await train(
  resolveConfig({ steps, pooling: 'sif', evalEvery: 250, evalQueries: 200, out, overwrite: true }),
  {
    onStep: (done) => {
      if (done % 50) return;
      const m = process.memoryUsage();
      samples.push({
        step: done,
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heapUsed / 2 ** 20,
        buffers: runtime().stats().liveBuffers,
      });
    },
  },
);
writeFileSync(
  join(out, 'samples.csv'),
  'step,rss_mib,heap_mib,live_buffers\n' +
    samples.map((s) => `${s.step},${s.rssMiB.toFixed(1)},${s.heapMiB.toFixed(1)},${s.buffers}`).join('\n') +
    '\n',
);

const after = samples.filter((s) => s.step > steps / 10);
const slope = (ys: number[]) => {
  const xs = after.map((s) => s.step / 1000);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length,
    my = ys.reduce((a, b) => a + b, 0) / ys.length;
  return xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
};
for (const [name, key, unit] of [
  ['RSS', 'rssMiB', 'MiB'],
  ['JS heap', 'heapMiB', 'MiB'],
  ['live GPU buffers', 'buffers', ''],
] as const) {
  const ys = after.map((s) => s[key]);
  console.log(
    `${name}: ${Math.min(...ys).toFixed(0)}–${Math.max(...ys).toFixed(0)}${unit ? ` ${unit}` : ''} after step ${steps / 10}, ${slope(ys).toFixed(2)}${unit ? ` ${unit}` : ''} per 1000 steps`,
  );
}
console.log(
  `${run.stopped} after ${run.steps} steps in ${run.seconds.toFixed(0)} s; dev MAP ${run.lastEval?.map.toFixed(2)}; samples: ${join(out, 'samples.csv')}`,
);
await shutdown();
