export * from './paths.ts';
export * from './lines.ts';
export * from './train.ts';
export * from './pairs.ts';
export * from './rerank.ts';
export * from './lei.ts';
export * from './stsb.ts';
