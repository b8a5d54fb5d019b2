import {
  HEADER_LENGTH_BYTES,
  IS_LITTLE_ENDIAN,
  METADATA_KEY,
  SafetensorsError,
  shapeNumel,
  type TensorToWrite,
  type TensorsToWrite,
} from './format.ts';
import { hostTensors } from './input.ts';

const SOURCE = '<write>';

/**
 * Serialises F32 (Float32Array) and I32 (Int32Array) tensors, sorted by name, header space-padded so
 * the data section starts 8-byte aligned. Data bytes are copied verbatim (NaN payloads, -0 kept).
 */
export function writeSafetensors(tensors: TensorsToWrite, metadata: Record<string, string> = {}): Uint8Array {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string')
      throw new SafetensorsError(SOURCE, undefined, `metadata value for "${k}" is not a string`);
  }
  const list = normalize(tensors, Object.keys(metadata).length > 0).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = { ...metadata };

  let offset = 0;
  for (const t of list) {
    const begin = offset;
    offset += t.data.byteLength;
    header[t.name] = {
      dtype: t.data instanceof Float32Array ? 'F32' : 'I32',
      shape: [...t.shape],
      data_offsets: [begin, offset],
    };
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((HEADER_LENGTH_BYTES + json.length) / 8) * 8 - HEADER_LENGTH_BYTES;
  const out = new Uint8Array(HEADER_LENGTH_BYTES + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, HEADER_LENGTH_BYTES);
  out.fill(0x20, HEADER_LENGTH_BYTES + json.length, HEADER_LENGTH_BYTES + padded);

  let pos = HEADER_LENGTH_BYTES + padded;
  for (const t of list) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, pos);
    if (!IS_LITTLE_ENDIAN) {
      for (let i = pos; i < pos + bytes.length; i += 4) out.subarray(i, i + 4).reverse();
    }
    pos += bytes.length;
  }
  return out;
}

/** Host tensors only (GPU tensors need an async read: saveSafetensorsFile does it); empty only with metadata. */
function normalize(tensors: TensorsToWrite, allowEmpty: boolean): TensorToWrite[] {
  const list: TensorToWrite[] = hostTensors(tensors, SOURCE, allowEmpty, false).map(([name, t]) => ({
    name,
    shape: t.shape,
    data: (t as TensorToWrite).data,
  }));
  const seen = new Set<string>();
  for (const t of list) {
    const fail = (detail: string): never => {
      throw new SafetensorsError(SOURCE, t.name, detail);
    };
    if (typeof t.name !== 'string' || t.name.length === 0) fail('tensor name must be a non-empty string');
    if (t.name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved`);
    if (seen.has(t.name)) fail('duplicate tensor name');
    seen.add(t.name);
    if (!(t.data instanceof Float32Array) && !(t.data instanceof Int32Array))
      fail('data must be a Float32Array or Int32Array');
    const numel = shapeNumel(t.shape);
    if (numel === undefined) fail(`invalid shape ${JSON.stringify(t.shape)}`);
    if (numel !== t.data.length)
      fail(`shape ${JSON.stringify(t.shape)} has ${numel} elements but data has ${t.data.length}`);
  }
  return list;
}
