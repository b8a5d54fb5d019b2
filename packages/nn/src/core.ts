// What runs anywhere (Node or a browser): the package's browser entry. index.ts adds the Node-only
// writers (atomic files, safetensors files, checkpoints).
export * from './tokenizer/index.ts';
export * from './tokenizer/bpe.ts';
export * from './safetensors/index.ts';
/** Model-file reads: the file system in Node, fetch in a browser (see io/files.ts). */
export { joinPath, readBytes, readText, fileExists } from '#files';
export { Module, describeLoad, type Layer, type LoadStateDictOptions, type LoadStateDictResult } from './module.ts';
export { copyInto, toHost, type HostTensor, type TensorLike } from './state.ts';
export { BERT_INIT_STD } from './init.ts';
export * from './layers/index.ts';
export { Expander, type ExpanderOptions } from './expander.ts';
export * from './bert/index.ts';
export * from './roberta/index.ts';
export * from './optim/index.ts';
