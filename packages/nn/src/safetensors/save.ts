// Node: a safetensors file written atomically.
import { writeFileAtomic } from '../io/atomic.ts';
import type { TensorsToWrite } from './format.ts';
import { writeSafetensors } from './write.ts';

export async function saveSafetensorsFile(path: string, tensors: TensorsToWrite, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, writeSafetensors(tensors, metadata));
}
