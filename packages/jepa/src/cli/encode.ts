// pnpm encode --model DIR [--pooling cls|mean|max|sif] [--out FILE.npy] < lines
// One embedding per input line: a JSON array per line on stdout, or a .npy matrix with --out.
import { writeFileSync } from 'node:fs';
import { loadEncoder } from '../model/load.ts';
import { parseArgs, type Pooling } from '../train/config.ts';
import { npyBytes } from '../util/npy.ts';
import { runCli } from './common.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

await runCli(async () => {
  const { flags } = parseArgs(process.argv.slice(2));
  if (flags.help || !flags.model) {
    console.log('usage: pnpm encode --model DIR [--pooling cls|mean|max|sif] [--batch 64] [--out FILE.npy] < sentences.txt');
    return flags.help ? 0 : 1;
  }
  const pooling = flags.pooling as Pooling | undefined;
  if (pooling && !['cls', 'mean', 'max', 'sif'].includes(pooling)) throw new Error(`--pooling: expected cls|mean|max|sif, got ${pooling}`);
  const enc = await loadEncoder(flags.model, { pooling, lenient: flags.lenientLoad === 'true' });
  const lines = (await readStdin()).split('\n');
  if (lines.at(-1) === '') lines.pop();
  const embs = await enc.embed(lines, Number(flags.batch ?? 64));
  enc.bert.dispose();
  if (flags.out) {
    writeFileSync(flags.out, npyBytes(embs));
    process.stderr.write(`wrote ${embs.length} × ${embs[0]?.length ?? 0} embeddings to ${flags.out}\n`);
  } else {
    process.stdout.write(embs.map((e) => JSON.stringify(Array.from(e, (v) => +v.toPrecision(7)))).join('\n') + (embs.length ? '\n' : ''));
  }
  return 0;
});
