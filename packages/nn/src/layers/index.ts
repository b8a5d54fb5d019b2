export { Linear, type LinearOptions } from './linear.ts';
export { Embedding } from './embedding.ts';
export { LayerNorm } from './layernorm.ts';
export { BatchNorm1d, type BatchNormOptions } from './batchnorm.ts';
export { Dropout } from './dropout.ts';
export { GELU, ReLU } from './activation.ts';
export { Sequential, ModuleList } from './sequential.ts';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionCallOptions } from './attention.ts';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions } from './transformer.ts';
