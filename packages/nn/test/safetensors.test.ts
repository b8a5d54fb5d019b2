import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SafetensorsError,
  decodeBf16,
  decodeF16,
  loadSafetensorsFile,
  readSafetensors,
  writeSafetensors,
  type SafeTensor,
} from '../src/safetensors/index.ts';
import { saveSafetensorsFile } from '../src/safetensors/save.ts';

/** Hand-built file: u64 LE header length, header text, data bytes. */
function buildFile(header: object | string, data: Uint8Array = new Uint8Array(), headerLen?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLen ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of 16-bit words. */
function u16le(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  const dv = new DataView(out.buffer);
  words.forEach((w, i) => dv.setUint16(2 * i, w, true));
  return out;
}

function f32FromBits(bits: number[]): Float32Array {
  return new Float32Array(new Uint32Array(bits).buffer);
}

function bitsOf(a: Float32Array | Int32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

function only(file: { tensors: Map<string, SafeTensor> }, name: string): SafeTensor {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`missing ${name}`);
  return t;
}

function expectError(bytes: Uint8Array, pattern: RegExp, tensor?: string): void {
  let caught: unknown;
  try {
    readSafetensors(bytes, 'model.safetensors');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.message).toMatch(pattern);
  expect(err.message).toContain('model.safetensors');
  expect(err.tensor).toBe(tensor);
  if (tensor !== undefined) expect(err.message).toContain(`"${tensor}"`);
}

const F32_SPECIALS = [
  0x00000000,
  0x80000000, // +0, -0
  0x7fc00000,
  0xffc00000,
  0x7fa00001,
  0x7f800001,
  0xffffffff, // NaNs, incl. signalling and payloads
  0x7f800000,
  0xff800000, // +-Inf
  0x00000001,
  0x807fffff,
  0x00400000, // denormals
  0x00800000,
  0x7f7fffff,
  0x3f800000,
  0xbfc00000, // min normal, max, 1, -1.5
];

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips F32 bit-exactly (NaN payloads, -0, denormals) and I32', () => {
    const f = f32FromBits(F32_SPECIALS);
    const i = new Int32Array([0, -1, 2147483647, -2147483648, 42, 7]);
    const bytes = writeSafetensors([
      { name: 'w', shape: [4, 4], data: f },
      { name: 'position_ids', shape: [1, 6], data: i },
    ]);
    const file = readSafetensors(bytes);
    const w = only(file, 'w');
    expect(w.dtype).toBe('F32');
    expect(w.sourceDtype).toBe('F32');
    expect(w.shape).toEqual([4, 4]);
    expect(bitsOf(w.data)).toEqual(F32_SPECIALS);
    const p = only(file, 'position_ids');
    expect(p.dtype).toBe('I32');
    expect(p.data).toBeInstanceOf(Int32Array);
    expect(Array.from(p.data)).toEqual(Array.from(i));
    expect(file.metadata).toEqual({});
  });

  it('round-trips metadata, scalars and empty tensors', () => {
    const metadata = { format: 'pt', note: 'ünïcode ✓ "quoted"', empty: '' };
    const bytes = writeSafetensors(
      { scalar: { shape: [], data: new Float32Array([3.5]) }, empty: { shape: [0, 3], data: new Float32Array(0) } },
      metadata,
    );
    const file = readSafetensors(bytes);
    expect(file.metadata).toEqual(metadata);
    expect(only(file, 'scalar').shape).toEqual([]);
    expect(Array.from(only(file, 'scalar').data)).toEqual([3.5]);
    expect(only(file, 'empty').shape).toEqual([0, 3]);
    expect(only(file, 'empty').data.length).toBe(0);
  });

  it('sorts names, aligns the data section to 8 bytes and pads the header with spaces', () => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Int32Array([4]);
    const fromList = writeSafetensors([
      { name: 'zeta', shape: [3], data: a },
      { name: 'alpha', shape: [1], data: b },
    ]);
    const fromRecord = writeSafetensors({ alpha: { shape: [1], data: b }, zeta: { shape: [3], data: a } });
    expect(fromRecord).toEqual(fromList);
    const n = Number(new DataView(fromList.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const headerText = new TextDecoder().decode(fromList.subarray(8, 8 + n));
    expect(headerText.trimEnd().endsWith('}')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.trimEnd().length))).toBe(true);
    const header = JSON.parse(headerText) as Record<string, { dtype: string; data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['alpha', 'zeta']);
    expect(header.alpha).toMatchObject({ dtype: 'I32', shape: [1], data_offsets: [0, 4] });
    expect(header.zeta).toMatchObject({ dtype: 'F32', shape: [3], data_offsets: [4, 16] });
    expect(fromList.length).toBe(8 + n + 16);
  });

  it('writes data from typed-array views at an offset', () => {
    const backing = new Float32Array([9, 1, 2, 9]);
    const file = readSafetensors(writeSafetensors([{ name: 'v', shape: [2], data: backing.subarray(1, 3) }]));
    expect(Array.from(only(file, 'v').data)).toEqual([1, 2]);
  });

  it('reads from an unaligned view and from a Buffer', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [2], data: new Float32Array([1.25, -7]) }]);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(only(readSafetensors(shifted.subarray(3)), 'x').data)).toEqual([1.25, -7]);
    expect(Array.from(only(readSafetensors(Buffer.from(bytes)), 'x').data)).toEqual([1.25, -7]);
  });

  it('accepts a space-padded header without __metadata__', () => {
    const bytes = buildFile(
      '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     ',
      new Uint8Array([0, 0, 0x80, 0x3f]),
    );
    expect(Array.from(only(readSafetensors(bytes), 'x').data)).toEqual([1]);
  });

  it('rejects bad tensors on write', () => {
    const data = new Float32Array(2);
    expect(() => writeSafetensors([{ name: 'a', shape: [3], data }])).toThrow(/"a".*3 elements but data has 2/);
    expect(() =>
      writeSafetensors([
        { name: 'a', shape: [2], data },
        { name: 'a', shape: [2], data },
      ]),
    ).toThrow(/"a".*duplicate/);
    expect(() => writeSafetensors([{ name: '__metadata__', shape: [2], data }])).toThrow(/reserved/);
    expect(() => writeSafetensors([{ name: 'a', shape: [-2], data }])).toThrow(/invalid shape/);
    expect(() =>
      writeSafetensors([{ name: 'a', shape: [2], data: new Float64Array(2) as unknown as Float32Array }]),
    ).toThrow(/Float32Array or Int32Array/);
    expect(() => writeSafetensors([], { n: 1 as unknown as string })).toThrow(/metadata/);
  });
});

describe('F16 / BF16 / I64 decoding', () => {
  it('decodes hand-computed F16 values', () => {
    const words = [0x3c00, 0xc000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x3555, 0x8000, 0x0000, 0x3800];
    const want = [1, -2, Infinity, -Infinity, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, 1365 / 4096, -0, 0, 0.5];
    const file = readSafetensors(
      buildFile({ h: { dtype: 'F16', shape: [words.length], data_offsets: [0, words.length * 2] } }, u16le(words)),
    );
    const h = only(file, 'h');
    expect(h.dtype).toBe('F32');
    expect(h.sourceDtype).toBe('F16');
    expect(Array.from(h.data)).toEqual(want);
    expect(Object.is(h.data[9], -0)).toBe(true);
    // NaN keeps sign and payload (shifted into the float32 mantissa).
    expect(bitsOf(decodeF16(new Uint16Array([0x7e00, 0xfc01])))).toEqual([0x7fc00000, 0xff802000]);
  });

  it('decodes every F16 bit pattern like the textbook formula', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const got = decodeF16(all);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const e = (h >> 10) & 0x1f;
      const m = h & 0x3ff;
      const want =
        e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
      if (!Object.is(got[h], want)) throw new Error(`f16 0x${h.toString(16)}: got ${got[h]}, want ${want}`);
    }
  });

  it('decodes hand-computed BF16 values', () => {
    const words = [0x3f80, 0xc000, 0x7f80, 0xff80, 0x4049, 0x8000, 0x0001, 0x0080];
    const want = [1, -2, Infinity, -Infinity, 3.140625, -0, 2 ** -133, 2 ** -126];
    const file = readSafetensors(
      buildFile({ b: { dtype: 'BF16', shape: [2, 4], data_offsets: [0, 16] } }, u16le(words)),
    );
    const b = only(file, 'b');
    expect(b.sourceDtype).toBe('BF16');
    expect(b.shape).toEqual([2, 4]);
    expect(Array.from(b.data)).toEqual(want);
    expect(bitsOf(decodeBf16(new Uint16Array([0x7fc1]))).map((x) => x >>> 0)).toEqual([0x7fc10000]);
  });

  it('narrows I64 to Int32Array when values fit', () => {
    const data = new Uint8Array(32);
    const dv = new DataView(data.buffer);
    [0n, -1n, 2147483647n, -2147483648n].forEach((v, i) => dv.setBigInt64(8 * i, v, true));
    const t = only(
      readSafetensors(buildFile({ ids: { dtype: 'I64', shape: [1, 4], data_offsets: [0, 32] } }, data)),
      'ids',
    );
    expect(t.dtype).toBe('I32');
    expect(t.sourceDtype).toBe('I64');
    expect(Array.from(t.data)).toEqual([0, -1, 2147483647, -2147483648]);
  });

  it('rejects I64 values outside int32', () => {
    for (const v of [2147483648n, -2147483649n, 1n << 40n]) {
      const data = new Uint8Array(16);
      new DataView(data.buffer).setBigInt64(8, v, true);
      expectError(
        buildFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data),
        new RegExp(`${v} at index 1 does not fit`),
        'ids',
      );
    }
  });
});

describe('readSafetensors errors', () => {
  const x = (extra: object = {}): object => ({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...extra } });

  it('truncated file', () => {
    expectError(new Uint8Array(5), /truncated: 5 bytes/);
    expectError(buildFile(x(), new Uint8Array(8), 10_000n), /truncated: header length 10000 exceeds/);
    expectError(buildFile(x(), new Uint8Array(8), 1n << 63n), /truncated/);
  });

  it('header that is not JSON or not an object', () => {
    expectError(buildFile('{"x": {', new Uint8Array(8)), /not valid JSON/);
    expectError(buildFile('', new Uint8Array(0)), /not valid JSON/);
    expectError(buildFile('[1,2]'), /not an object/);
    const badUtf8 = buildFile('{}  ');
    badUtf8[9] = 0xff;
    expectError(badUtf8, /UTF-8/);
  });

  it('data_offsets out of range, misordered, or malformed', () => {
    expectError(buildFile(x({ data_offsets: [0, 8] }), new Uint8Array(4)), /out of range/, 'x');
    expectError(buildFile(x({ data_offsets: [8, 0] }), new Uint8Array(8)), /out of range/, 'x');
    expectError(buildFile(x({ data_offsets: [0] }), new Uint8Array(8)), /invalid data_offsets/, 'x');
    expectError(buildFile(x({ data_offsets: [0, 8.5] }), new Uint8Array(8)), /invalid data_offsets/, 'x');
  });

  it('overlapping tensors, holes and trailing bytes', () => {
    const two = (b: [number, number]): object => ({
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: b },
    });
    expectError(buildFile(two([4, 12]), new Uint8Array(12)), /overlaps tensor "a"/, 'b');
    expectError(buildFile(two([12, 20]), new Uint8Array(20)), /unused bytes \[8, 12\)/, 'b');
    expectError(buildFile(x(), new Uint8Array(12)), /4 trailing bytes/);
  });

  it('size not matching shape and dtype', () => {
    expectError(buildFile(x({ shape: [3] }), new Uint8Array(8)), /span 8 bytes but shape \[3\] of F32 needs 12/, 'x');
    expectError(buildFile(x({ dtype: 'F16' }), new Uint8Array(8)), /needs 4/, 'x');
    expectError(buildFile(x({ shape: [2, -1] }), new Uint8Array(8)), /invalid shape/, 'x');
    expectError(buildFile(x({ shape: 'big' }), new Uint8Array(8)), /invalid shape/, 'x');
  });

  it('unknown or unsupported dtype', () => {
    expectError(buildFile(x({ dtype: 'Q7' }), new Uint8Array(8)), /unknown dtype "Q7"/, 'x');
    expectError(buildFile(x({ dtype: 'F64' }), new Uint8Array(8)), /unsupported dtype F64/, 'x');
    expectError(buildFile(x({ dtype: undefined }), new Uint8Array(8)), /dtype missing/, 'x');
  });

  it('duplicate tensor names', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    expectError(buildFile(`{"w":${entry},"v":{"w":1},"w":${entry}}`, new Uint8Array(4)), /duplicate tensor name/, 'w');
    // The same name nested inside another entry, or escaped differently in a string, is not a repeat.
    const ok = buildFile(`{"__metadata__":{"w":"a\\"w\\\\"},"w":${entry}}`, new Uint8Array(4));
    expect(readSafetensors(ok).metadata).toEqual({ w: 'a"w\\' });
    expectError(buildFile(`{"w":${entry}, "\\u0077":${entry}}`, new Uint8Array(4)), /duplicate tensor name/, 'w');
  });

  it('bad metadata', () => {
    expectError(buildFile({ __metadata__: { n: 1 } }), /value for "n" is not a string/);
    expectError(buildFile({ __metadata__: [] }), /__metadata__ is not an object/);
  });
});

describe('files', () => {
  it('saves atomically and loads back, naming the path in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jepa-st-'));
    const path = join(dir, 'model.safetensors');
    await saveSafetensorsFile(path, { w: { shape: [2], data: new Float32Array([1, 2]) } }, { step: '10' });
    await saveSafetensorsFile(path, { w: { shape: [3], data: new Float32Array([4, 5, 6]) } }, { step: '20' });
    const file = await loadSafetensorsFile(path);
    expect(file.metadata).toEqual({ step: '20' });
    expect(Array.from(only(file, 'w').data)).toEqual([4, 5, 6]);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    await expect(loadSafetensorsFile(join(dir, 'missing.safetensors'))).rejects.toThrow(/ENOENT/);
  });
});
