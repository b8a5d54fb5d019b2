export * from './tokenizer/index.ts';
export * from './safetensors/index.ts';
export * from './io/atomic.ts';
