// pnpm encode --model DIR [--pooling cls|mean|max|sif] [--normalize] [--out FILE.npy|FILE.jsonl] < lines
// One embedding per input line: a JSON array per line on stdout, or with --out a .npy matrix or JSON
// lines file. Streamed: each batch is embedded and written as soon as its lines are read, so memory
// stays about one batch whatever the input size, and the first lines come out while stdin is still open.
import { existsSync } from 'node:fs';
import { loadEncoder } from '../model/load.ts';
import type { Pooling } from '../model/encoder.ts';
import { CONFIG_FIELDS } from '../train/config.ts';
import { checkWritable } from '../util/npy.ts';
import { NpyStreamWriter, StreamedFile } from '../util/npy-stream.ts';
import { parseOptions, UsageError, type OptionSpec } from './args.ts';
import { commandName, runCli } from './common.ts';
import { exitOnStop, leaveTsxRelay } from './interrupt.ts';
import { inBatches, readLines } from './lines.ts';

const CMD = commandName('encode');
const USAGE = `usage: ${CMD} --model DIR [--pooling cls|mean|max|sif] [--batch-size 64] [--normalize] [--out FILE.npy|FILE.jsonl] [--lenient-load] < sentences.txt`;
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

/**
 * Batches embedded per window of input lines. embed() sorts a window by length so that a batch pads
 * little: one batch per window pads AskUbuntu titles to 1.32× the tokens a sort of the whole input
 * does (≈ 25 % more CPU time), 8 batches to 1.01×. The first window is one batch, so output starts at once.
 */
const SORT_WINDOW = 8;

/** Where the embeddings go, a batch at a time. */
interface Sink {
  add(embs: readonly Float32Array[]): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

const jsonLines = (embs: readonly Float32Array[]): string =>
  embs.map((e) => `${JSON.stringify(Array.from(e, (v) => +v.toPrecision(7)))}\n`).join('');

/** stdout, each batch taken before the next is computed: a slow reader holds the encoder back, not memory. */
function stdoutSink(): Sink {
  const add = (embs: readonly Float32Array[]) =>
    new Promise<void>((done, fail) => {
      // The callback comes once the chunk is handed on (after a 'drain' when the buffer was full), or
      // with the error (the reader went away: EPIPE).
      process.stdout.write(jsonLines(embs), (e?: NodeJS.ErrnoException | null) =>
        e ? fail(new Error(`stdout: cannot write (${e.code ?? e.message})`)) : done(),
      );
    });
  return { add, close: async () => undefined, abort: async () => undefined };
}

/** --out: a temporary file beside `path`, renamed over it by close() (an earlier file stays intact until then). */
async function fileSink(path: string, hidden: number): Promise<Sink> {
  const what = `--out ${path}`;
  if (path.toLowerCase().endsWith('.npy')) {
    const npy = await NpyStreamWriter.open(path, hidden, what); // no input lines: shape (0, hidden)
    return { add: (embs) => npy.append(embs), close: () => npy.close(), abort: () => npy.abort() };
  }
  const file = await StreamedFile.open(path, what);
  return {
    add: (embs) => file.write(Buffer.from(jsonLines(embs))),
    close: () => file.commit(),
    abort: () => file.abort(),
  };
}

// Under the tsx CLI this process only relays stops to a plain node child (see leaveTsxRelay).
if (!(await leaveTsxRelay())) {
  // What a stop leaves, said as it happens: lines already printed, or an --out file untouched.
  let left = () => 'nothing written';
  exitOnStop(CMD, () => left());
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
    if (o.out && !/\.(npy|jsonl)$/i.test(o.out)) {
      throw new UsageError(`${CMD}: --out must end in .npy or .jsonl, got ${o.out}`);
    }
    if (o.out) await checkWritable(o.out, `--out ${o.out}`); // before the compute, not after it
    // --normalize: unit vectors; without it, the dir decides (a sentence-transformers Normalize module).
    const enc = await loadEncoder(o.model, {
      pooling: o.pooling,
      lenient: o.lenientLoad,
      normalize: o.normalize || undefined,
    });
    const batchSize = o.batchSize ?? o.batch ?? 64;
    const sink = o.out ? await fileSink(o.out, enc.hidden) : stdoutSink();
    let n = 0;
    const earlier = o.out !== undefined && existsSync(o.out);
    left = o.out
      ? () => `nothing written to ${o.out}${earlier ? ` (the previous ${o.out} is intact)` : ''}`
      : () => `${n} embedding${n === 1 ? '' : 's'} printed before the stop`;
    try {
      // A window of SORT_WINDOW batches at a time: embed() sorts it by length, so each batch pads little.
      // Typed at a terminal, each line is embedded as soon as it is entered.
      const typed = process.stdin.isTTY === true;
      const [window, first] = typed ? [1, 1] : [batchSize * SORT_WINDOW, batchSize];
      for await (const lines of inBatches(readLines(process.stdin), window, first)) {
        const embs = await enc.embed(lines, { batchSize }).catch((e: Error) => {
          throw new Error(`--model ${o.model}: ${e.message}`);
        });
        await sink.add(embs);
        n += embs.length;
      }
      await sink.close();
    } catch (e) {
      await sink.abort(); // the temporary file goes; an earlier --out file is untouched
      throw e;
    } finally {
      enc.bert.dispose();
    }
    if (o.out) process.stderr.write(`wrote ${n} × ${enc.hidden} embeddings to ${o.out}\n`);
    return 0;
  });
}
