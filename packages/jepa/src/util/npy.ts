// NumPy .npy (v1.0) writer for a float32 matrix.

export function npyBytes(rows: readonly Float32Array[]): Uint8Array {
  const n = rows.length,
    d = rows[0]?.length ?? 0;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`;
  const pre = 10; // magic(6) + version(2) + header length(2)
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - pre - 1, ' ')}\n`;
  const out = new Uint8Array(total + n * d * 4);
  out.set([0x93, ...Buffer.from('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  const body = new Float32Array(out.buffer, total, n * d);
  rows.forEach((r, i) => body.set(r, i * d));
  return out;
}
