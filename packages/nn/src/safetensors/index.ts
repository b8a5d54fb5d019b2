export {
  SafetensorsError,
  type SafeFloatTensor,
  type SafeIntTensor,
  type SafeTensor,
  type SafetensorsFile,
  type TensorToWrite,
  type TensorsToWrite,
} from './format.ts';
export { decodeBf16, decodeF16 } from './half.ts';
export { loadSafetensorsFile, readSafetensors } from './read.ts';
export { writeSafetensors } from './write.ts';
