export { bertConfig, parseBertConfig, BERT_PRESETS, type BertConfig, type BertPreset } from './config.ts';
export {
  BertModel,
  BertPooler,
  type BertOutput,
  type BertModelOptions,
  type BertLoadOptions,
  type BertConfigOverrides,
} from './model.ts';
export { BertEmbeddings } from './embeddings.ts';
export { BertAttention, BertSelfAttention, BertResidualOutput, type AttendOptions } from './attention.ts';
export { BertEncoder, BertLayer, BertIntermediate } from './layer.ts';
export { BertMLMHead, BertLMPredictionHead, BertPredictionHeadTransform } from './mlm.ts';
export { pool, type PoolingMode } from './pool.ts';
export {
  BertDecoder,
  BertDecoderLayer,
  BertDecoderModel,
  BertDecoderStack,
  DECODER_TIES,
  type BertDecoderOptions,
  type DecoderTie,
} from './decoder.ts';
