export * from './creation.ts';
export * from './view.ts';
export * from './unary.ts';
export * from './binary.ts';
export * from './reduce.ts';
export * from './matmul.ts';
export * from './random.ts';
