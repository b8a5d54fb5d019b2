import { readBytes } from '#files';
import {
  DTYPE_BYTES,
  HEADER_LENGTH_BYTES,
  IS_LITTLE_ENDIAN,
  MAX_HEADER_BYTES,
  METADATA_KEY,
  SafetensorsError,
  UNSUPPORTED_DTYPES,
  shapeNumel,
  type SafeTensor,
  type SafetensorsFile,
  type SourceDtype,
} from './format.ts';
import { decodeBf16, decodeF16 } from './half.ts';

interface Entry {
  name: string;
  dtype: SourceDtype;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses a safetensors file held in memory. F32/F16/BF16 tensors become Float32Array (dtype 'F32');
 * I32/I64 become Int32Array (dtype 'I32'; I64 values must fit in int32). `source` names the file in errors.
 */
export function readSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const fail = (detail: string, tensor?: string): never => {
    throw new SafetensorsError(source, tensor, detail);
  };
  if (bytes.length < HEADER_LENGTH_BYTES)
    fail(`truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - HEADER_LENGTH_BYTES)) {
    fail(`truncated: header length ${headerLen} exceeds the ${bytes.length - HEADER_LENGTH_BYTES} bytes after it`);
  }
  if (headerLen > BigInt(MAX_HEADER_BYTES))
    fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const dataStart = HEADER_LENGTH_BYTES + Number(headerLen);
  const header = parseHeader(bytes.subarray(HEADER_LENGTH_BYTES, dataStart), fail);
  const dataLen = bytes.length - dataStart;

  const metadata = parseMetadata(header[METADATA_KEY], fail);
  const entries = Object.keys(header)
    .filter((name) => name !== METADATA_KEY)
    .map((name) => parseEntry(name, header[name], dataLen, fail));
  checkLayout(entries, dataLen, fail);

  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    tensors.set(e.name, decodeTensor(e, bytes.subarray(dataStart + e.begin, dataStart + e.end), fail));
  }
  return { tensors, metadata };
}

/** A file's tensors (a URL in a browser). */
export async function loadSafetensorsFile(path: string): Promise<SafetensorsFile> {
  return readSafetensors(await readBytes(path), path);
}

type Fail = (detail: string, tensor?: string) => never;

function parseHeader(raw: Uint8Array, fail: Fail): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    return fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header JSON is not an object');
  // JSON.parse keeps only the last of repeated keys, so look for repeats in the text itself.
  const seen = new Set<string>();
  for (const key of topLevelKeys(text)) {
    if (seen.has(key)) fail('duplicate tensor name in header', key);
    seen.add(key);
  }
  return header as Record<string, unknown>;
}

/** Keys of the outermost object of already-validated JSON text, repeats included. */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (depth === 1 && (c === ',' || c === ':')) {
      expectKey = c === ',';
    }
  }
  return keys;
}

function parseMetadata(raw: unknown, fail: Fail): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(`${METADATA_KEY} is not an object`);
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') fail(`${METADATA_KEY} value for "${k}" is not a string`);
  }
  return { ...(raw as Record<string, string>) };
}

function parseEntry(name: string, raw: unknown, dataLen: number, fail: Fail): Entry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('header entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') return fail('dtype missing or not a string', name);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) {
    return fail(
      UNSUPPORTED_DTYPES.has(dtype)
        ? `unsupported dtype ${dtype} (readable: ${Object.keys(DTYPE_BYTES).join(', ')})`
        : `unknown dtype ${JSON.stringify(dtype)}`,
      name,
    );
  }
  const numel = shapeNumel(shape);
  if (numel === undefined) return fail(`invalid shape ${JSON.stringify(shape)}`, name);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  ) {
    return fail(`invalid data_offsets ${JSON.stringify(offsets)}`, name);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLen) {
    fail(`data_offsets [${begin}, ${end}] out of range of the ${dataLen}-byte data section`, name);
  }
  const size = numel * DTYPE_BYTES[dtype as SourceDtype];
  if (end - begin !== size) {
    fail(`data_offsets span ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${size}`, name);
  }
  return { name, dtype: dtype as SourceDtype, shape: [...(shape as number[])], begin, end };
}

/** The format forbids overlaps and holes: tensors must tile the data section exactly. Sorts `entries`. */
function checkLayout(entries: Entry[], dataLen: number, fail: Fail): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of entries) {
    if (e.begin < pos)
      fail(`data [${e.begin}, ${e.end}] overlaps tensor "${prev!.name}" [${prev!.begin}, ${prev!.end}]`, e.name);
    if (e.begin > pos) fail(`unused bytes [${pos}, ${e.begin}) before this tensor's data`, e.name);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) fail(`data section has ${dataLen - pos} trailing bytes not owned by any tensor`);
}

function decodeTensor(e: Entry, raw: Uint8Array, fail: Fail): SafeTensor {
  switch (e.dtype) {
    case 'F32':
      return { dtype: 'F32', shape: e.shape, data: new Float32Array(copyWords(raw, 4)), sourceDtype: e.dtype };
    case 'F16':
      return {
        dtype: 'F32',
        shape: e.shape,
        data: decodeF16(new Uint16Array(copyWords(raw, 2))),
        sourceDtype: e.dtype,
      };
    case 'BF16':
      return {
        dtype: 'F32',
        shape: e.shape,
        data: decodeBf16(new Uint16Array(copyWords(raw, 2))),
        sourceDtype: e.dtype,
      };
    case 'I32':
      return { dtype: 'I32', shape: e.shape, data: new Int32Array(copyWords(raw, 4)), sourceDtype: e.dtype };
    case 'I64': {
      const words = new Int32Array(copyWords(raw, 4));
      const data = new Int32Array(words.length / 2);
      for (let i = 0; i < data.length; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        // Fits in int32 iff the high word is the sign extension of the low word.
        if (hi !== lo >> 31) {
          const value = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
          fail(`I64 value ${value} at index ${i} does not fit in int32`, e.name);
        }
        data[i] = lo;
      }
      return { dtype: 'I32', shape: e.shape, data, sourceDtype: e.dtype };
    }
  }
}

/**
 * Copies little-endian `raw` into a fresh, aligned buffer in host order, so typed-array views read it
 * correctly whatever the source's byte offset (the data section need not be aligned).
 */
function copyWords(raw: Uint8Array, width: 2 | 4): ArrayBuffer {
  const out = new Uint8Array(raw.length);
  out.set(raw);
  if (!IS_LITTLE_ENDIAN) {
    for (let i = 0; i < out.length; i += width) out.subarray(i, i + width).reverse();
  }
  return out.buffer;
}
