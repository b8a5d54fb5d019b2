export { bertConfig, parseBertConfig, BERT_PRESETS, type BertConfig, type BertPreset } from './config.ts';
export { BertModel, BertPooler, type BertOutput, type BertModelOptions } from './model.ts';
export { BertEmbeddings } from './embeddings.ts';
export { BertAttention, BertSelfAttention, BertResidualOutput } from './attention.ts';
export { BertEncoder, BertLayer, BertIntermediate } from './layer.ts';
export { BertMLMHead, BertLMPredictionHead, BertPredictionHeadTransform } from './mlm.ts';
export { pool, type PoolingMode } from './pool.ts';
