export { basicTokenize, type BasicTokenizeOptions } from './basic.ts';
export { wordPieceTokenize, type WordPieceOptions } from './wordpiece.ts';
export {
  BertTokenizer,
  parseVocab,
  PAD_TOKEN,
  UNK_TOKEN,
  CLS_TOKEN,
  SEP_TOKEN,
  MASK_TOKEN,
  type BertTokenizerOptions,
  type BertEncodeOptions,
  type BertEncoding,
  type BertEncodeBatchOptions,
  type BertBatchEncoding,
  type BertDecodeOptions,
} from './tokenizer.ts';
export {
  parseTokenizerJson,
  specialTokensMap,
  tokenizerConfig,
  tokenizerFromJson,
  tokenizerOptionsFromConfig,
} from './hf-files.ts';
