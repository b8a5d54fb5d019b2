// A byte stream (stdin) as text lines, in batches, as it arrives: pnpm encode embeds and writes each
// batch before reading on, so no input size is ever held whole.
import { StringDecoder } from 'node:string_decoder';

/**
 * The lines of `input`, split on '\n' only (a '\r' before it stays in the line, as reading the whole
 * input and splitting it did): a last line without '\n' counts, nothing after a final '\n' does.
 */
export async function* readLines(input: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const utf8 = new StringDecoder('utf8'); // a character split across chunks is decoded whole
  let rest = '';
  for await (const chunk of input) {
    rest += typeof chunk === 'string' ? chunk : utf8.write(chunk as Buffer);
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n', start)) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += utf8.end();
  if (rest) yield rest;
}

/** `items` in arrays of `size` (the first of `first`, the last shorter), each yielded as soon as it is full. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number, first = size): AsyncGenerator<T[]> {
  for (const n of [size, first]) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`inBatches: size must be a positive integer, got ${n}`);
  }
  let batch: T[] = [];
  let want = first;
  for await (const item of items) {
    batch.push(item);
    if (batch.length === want) {
      yield batch;
      batch = [];
      want = size;
    }
  }
  if (batch.length) yield batch;
}
