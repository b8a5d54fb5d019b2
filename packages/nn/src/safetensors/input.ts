// What the safetensors writers accept, checked before anything is written: plain JS callers get
// no compile-time check, and a Map passed where an object was expected used to give a silently
// empty file.
import type { Tensor } from '@jepa/tensor';
import { isTensor, type HostTensor } from '../state.ts';
import { SafetensorsError, type TensorToWrite } from './format.ts';

type Host = { shape: readonly number[]; data: Float32Array | Int32Array };

/** As TensorsToWrite, GPU tensors allowed (a module's stateDict()). */
export type TensorsToSave =
  | readonly TensorToWrite[]
  | ReadonlyMap<string, Host | Tensor>
  | Readonly<Record<string, Host | Tensor>>;

/** A short description of a value for errors ("a Map of 0", "number 3", "a Linear"). */
export function describeValue(v: unknown): string {
  if (isTensor(v)) return `a GPU tensor ${v.dtype}[${v.shape.join(', ')}]`;
  if (v === null || v === undefined) return String(v);
  if (v instanceof Map) return v.size ? `a Map of ${v.size}` : 'an empty Map';
  if (Array.isArray(v)) return v.length ? `an array of ${v.length}` : 'an empty array';
  if (typeof v !== 'object') return `${typeof v} ${JSON.stringify(v)}`.slice(0, 60);
  const name = (v as object).constructor?.name;
  if (!name || name === 'Object') return Object.keys(v).length ? 'an object' : 'an empty object';
  return `a ${name}`;
}

function isHost(v: unknown): v is HostTensor {
  const h = v as HostTensor;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(h.shape) &&
    (h.data instanceof Float32Array || h.data instanceof Int32Array)
  );
}

/**
 * [name, tensor] pairs of `input`, each a GPU tensor (only if `gpu`) or host data; throws naming
 * the first value that is neither, or an empty input (unless `allowEmpty`: a file of metadata only).
 */
export function hostTensors(
  input: unknown,
  source: string,
  allowEmpty: boolean,
  gpu = true,
): [string, Host | Tensor][] {
  const fail = (detail: string): never => {
    throw new SafetensorsError(source, undefined, detail);
  };
  let entries: [string, unknown][];
  if (Array.isArray(input)) {
    entries = input.map((t, i) => {
      const named =
        typeof t === 'object' && t !== null && typeof (t as TensorToWrite).name === 'string' && !isTensor(t);
      if (!named) fail(`item ${i} is ${describeValue(t)}, not a { name, shape, data }`);
      return [(t as TensorToWrite).name, { shape: (t as TensorToWrite).shape, data: (t as TensorToWrite).data }];
    });
  } else if (input instanceof Map) {
    entries = [...input.entries()];
  } else if (
    typeof input === 'object' &&
    input !== null &&
    !isTensor(input) &&
    Object.getPrototypeOf(input) === Object.prototype
  ) {
    entries = Object.entries(input);
  } else {
    const hint =
      typeof input === 'object' && input !== null && typeof (input as { stateDict?: unknown }).stateDict === 'function'
        ? '; pass model.stateDict()'
        : '';
    return fail(
      `expected a Map or an object of tensors by name, or a list of { name, shape, data }, got ${describeValue(input)}${hint}`,
    );
  }
  if (entries.length === 0 && !allowEmpty) fail(`nothing to write: ${describeValue(input)}`);
  for (const [name, t] of entries) {
    if (isTensor(t)) {
      if (!gpu)
        fail(`"${name}" is ${describeValue(t)}; read it back first (toHost) or use saveSafetensorsFile, which does`);
      if (t.disposed) fail(`"${name}" is a disposed tensor`);
    } else if (!isHost(t)) {
      // A host entry with a bad shape or data type is reported by writeSafetensors in detail.
      const looksHost = typeof t === 'object' && t !== null && 'data' in t && 'shape' in t;
      if (!looksHost) fail(`"${name}" is ${describeValue(t)}, not a tensor or { shape, data }`);
    }
  }
  return entries as [string, Host | Tensor][];
}
