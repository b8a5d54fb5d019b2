// Training configuration, one module per concern: the option table (options.ts), recipes, value
// coercion, resolution and validation, resuming, unused-option warnings. Runs in a browser too.
export * from './options.ts';
export * from './coerce.ts';
export * from './did-you-mean.ts';
export * from './recipes.ts';
export * from './resolve.ts';
export * from './resume-config.ts';
export * from './unused.ts';
export * from './argv.ts';
