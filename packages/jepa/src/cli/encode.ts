// pnpm encode --model DIR [--pooling cls|mean|max|sif] [--normalize] [--out FILE.npy] < lines
// One embedding per input line: a JSON array per line on stdout, or a .npy matrix with --out.
import { loadEncoder } from '../model/load.ts';
import type { Pooling } from '../model/encoder.ts';
import { CONFIG_FIELDS } from '../train/config.ts';
import { checkWritable, writeNpyFile } from '../util/npy.ts';
import { parseOptions, UsageError, type OptionSpec } from './args.ts';
import { commandName, runCli } from './common.ts';
import { exitOnStop, leaveTsxRelay } from './interrupt.ts';

const CMD = commandName('encode');
const USAGE = `usage: ${CMD} --model DIR [--pooling cls|mean|max|sif] [--batch-size 64] [--normalize] [--out FILE.npy] [--lenient-load] < sentences.txt`;
const OPTIONS: OptionSpec = {
  model: 'str',
  pooling: CONFIG_FIELDS.pooling,
  batchSize: CONFIG_FIELDS.batchSize, // as pnpm train spells it
  batch: 'pos', // the older spelling, still accepted
  normalize: 'bool',
  out: 'str',
  lenientLoad: 'bool',
  help: 'bool',
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Under the tsx CLI this process only relays stops to a plain node child (see leaveTsxRelay).
if (!(await leaveTsxRelay())) {
  exitOnStop(CMD);
  await runCli(async () => {
    const o = parseOptions(CMD, process.argv.slice(2), OPTIONS) as {
      model?: string;
      pooling?: Pooling;
      batchSize?: number;
      batch?: number;
      normalize?: boolean;
      out?: string;
      lenientLoad?: boolean;
      help?: boolean;
    };
    if (o.help || !o.model) {
      (o.help ? process.stdout : process.stderr).write(`${USAGE}\n`);
      return o.help ? 0 : 1;
    }
    if (o.batch !== undefined && o.batchSize !== undefined) {
      throw new UsageError(`${CMD}: --batch and --batch-size are the same option, got both`);
    }
    if (o.out) await checkWritable(o.out, `--out ${o.out}`); // before the compute, not after it
    // --normalize: unit vectors; without it, the dir decides (a sentence-transformers Normalize module).
    const enc = await loadEncoder(o.model, {
      pooling: o.pooling,
      lenient: o.lenientLoad,
      normalize: o.normalize || undefined,
    });
    const lines = (await readStdin()).split('\n');
    if (lines.at(-1) === '') lines.pop();
    const embs = await enc.embed(lines, { batchSize: o.batchSize ?? o.batch ?? 64 }).catch((e: Error) => {
      throw new Error(`--model ${o.model}: ${e.message}`);
    });
    enc.bert.dispose();
    if (o.out) {
      // Atomic: a failed write leaves an earlier file intact. No input lines: shape (0, hidden), not (0, 0).
      await writeNpyFile(o.out, embs, `--out ${o.out}`, enc.hidden);
      process.stderr.write(`wrote ${embs.length} × ${enc.hidden} embeddings to ${o.out}\n`);
    } else {
      process.stdout.write(
        embs.map((e) => JSON.stringify(Array.from(e, (v) => +v.toPrecision(7)))).join('\n') + (embs.length ? '\n' : ''),
      );
    }
    return 0;
  });
}
