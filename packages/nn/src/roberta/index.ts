export {
  robertaConfig,
  parseRobertaConfig,
  ROBERTA_PRESETS,
  type RobertaConfig,
  type RobertaPreset,
} from './config.ts';
export { RobertaEmbeddings, robertaPositionIds, robertaPositionIdsHost } from './embeddings.ts';
export {
  RobertaModel,
  robertaTokenizerFromFiles,
  type RobertaFiles,
  type RobertaPretrained,
  type RobertaTokenizerFiles,
} from './model.ts';
