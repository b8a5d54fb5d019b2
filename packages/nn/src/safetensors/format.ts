// safetensors layout: u64 LE header length N | N bytes of JSON header | raw little-endian tensor data.
// Header: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } },
// offsets relative to the start of the data section.

export const METADATA_KEY = '__metadata__';
export const HEADER_LENGTH_BYTES = 8;
/** Same cap as the reference Rust implementation, so a corrupt length cannot trigger a huge decode. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Element sizes of the dtypes this package can read. */
export const DTYPE_BYTES = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 } as const;
export type SourceDtype = keyof typeof DTYPE_BYTES;

/** Other dtypes of the format, named in errors as known-but-unsupported rather than unknown. */
export const UNSUPPORTED_DTYPES = new Set([
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'I16',
  'U16',
  'U32',
  'U64',
  'F64',
]);

export interface SafeFloatTensor {
  dtype: 'F32';
  shape: number[];
  data: Float32Array;
  /** dtype as stored in the file (F32, F16 or BF16). */
  sourceDtype: string;
}

export interface SafeIntTensor {
  dtype: 'I32';
  shape: number[];
  data: Int32Array;
  /** dtype as stored in the file (I32 or I64). */
  sourceDtype: string;
}

export type SafeTensor = SafeFloatTensor | SafeIntTensor;

export interface SafetensorsFile {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

export interface TensorToWrite {
  name: string;
  shape: readonly number[];
  data: Float32Array | Int32Array;
}

/** Host tensors by name: a list of { name, shape, data }, a Map (e.g. a file's `tensors`) or an object. */
export type TensorsToWrite =
  | readonly TensorToWrite[]
  | ReadonlyMap<string, { shape: readonly number[]; data: Float32Array | Int32Array }>
  | Readonly<Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }>>;

export class SafetensorsError extends Error {
  constructor(
    readonly source: string,
    readonly tensor: string | undefined,
    detail: string,
  ) {
    super(`safetensors ${source}${tensor === undefined ? '' : ` tensor "${tensor}"`}: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

/** Element count of `shape`, or undefined if it is not a list of non-negative safe integers. */
export function shapeNumel(shape: unknown): number | undefined {
  if (!Array.isArray(shape)) return undefined;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
  }
  return Number.isSafeInteger(n) ? n : undefined;
}

export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
