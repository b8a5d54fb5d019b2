// Node: token weights saved beside the model (read back by sif.ts's loadTokenWeights).
import { join } from 'node:path';
import { saveSafetensorsFile } from '@jepa/nn';
import { SIF_A, TOKEN_WEIGHTS_FILE } from './sif.ts';

export async function saveTokenWeights(dir: string, w: Float32Array): Promise<void> {
  await saveSafetensorsFile(
    join(dir, TOKEN_WEIGHTS_FILE),
    { token_weights: { shape: [w.length], data: w } },
    { pooling: 'sif', a: String(SIF_A) },
  );
}
