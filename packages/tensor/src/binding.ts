// The per-binding limit: one storage binding addresses at most maxStorageBufferBindingSize bytes
// (128 MiB on llvmpipe), so tensors that could outgrow it are split into row blocks.
import { runtime } from '@jepa/kernels';

/**
 * How many rows of `rowElements` 4-byte values fit in one binding of `limitBytes` (default: the
 * device's maxStorageBufferBindingSize). `what` names one row in the error when none fits.
 */
export function rowsPerBinding(
  rowElements: number,
  what: string,
  limitBytes = runtime().limits.maxStorageBufferBindingSize,
): number {
  const rowBytes = 4 * rowElements;
  if (rowBytes > limitBytes)
    throw new Error(`${what} (${rowBytes} bytes) exceeds the ${limitBytes}-byte binding limit`);
  return Math.floor(limitBytes / rowBytes);
}
