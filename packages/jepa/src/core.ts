// What runs anywhere (Node or a browser): the model, its encode path and the JEPA objective; the
// package's browser entry. index.ts adds data files, training, evaluation and reports (Node).
export * from './util/rng.ts';
export * from './views/wordcrop.ts';
export * from './eval/index.ts';
export * from './loss/vicreg.ts';
export * from './model/encoder.ts';
export * from './model/pretrained.ts';
export * from './model/sif.ts';
export * from './train/config.ts';
export * from './objectives/objective.ts';
export * from './objectives/mlm.ts';
export * from './objectives/jepa.ts';
export * from './objectives/simcse.ts';
export * from './train/data.ts';
