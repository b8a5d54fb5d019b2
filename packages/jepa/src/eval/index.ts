export * from './ap.ts';
export * from './spearman.ts';
export * from './cosine.ts';
export * from './tfidf.ts';
export * from './baselines.ts';
export * from './rerank.ts';
export * from './stsb.ts';
