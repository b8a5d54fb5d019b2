// @jepa/jepa public API.
export * from './util/rng.ts';
export * from './data/index.ts';
export * from './views/wordcrop.ts';
export * from './eval/index.ts';
