// RobertaConfig: BERT's fields (Hugging Face names) plus pad_token_id, which RoBERTa's position ids
// are counted from. A config.json is read with BERT's defaults for absent fields, as HF's
// RobertaConfig (a BertConfig subclass) does; the presets carry the values roberta-base's files say.
import { parseBertConfig, type BertConfig } from '../bert/config.ts';

export interface RobertaConfig extends BertConfig {
  /** `<pad>`'s id; positions start at pad_token_id + 1 and padding sits at pad_token_id. */
  pad_token_id: number;
}

/** distilroberta-base (6 layers), roberta-base (12), roberta-large (24). */
export type RobertaPreset = 'distil' | 'base' | 'large';

const SIZES: Record<RobertaPreset, [layers: number, hidden: number, heads: number, intermediate: number]> = {
  distil: [6, 768, 12, 3072],
  base: [12, 768, 12, 3072],
  large: [24, 1024, 16, 4096],
};

export const ROBERTA_PRESETS: readonly RobertaPreset[] = Object.keys(SIZES) as RobertaPreset[];

/** A preset's config (roberta-base's vocabulary, 514 positions, one token type, eps 1e-5), with overrides. */
export function robertaConfig(preset: RobertaPreset, overrides: Partial<RobertaConfig> = {}): RobertaConfig {
  const size = SIZES[preset];
  if (!size) throw new Error(`robertaConfig: unknown preset "${preset}" (known: ${ROBERTA_PRESETS.join(', ')})`);
  const [num_hidden_layers, hidden_size, num_attention_heads, intermediate_size] = size;
  return parseRobertaConfig({
    vocab_size: 50265,
    hidden_act: 'gelu',
    max_position_embeddings: 514,
    type_vocab_size: 1,
    layer_norm_eps: 1e-5,
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    initializer_range: 0.02,
    pad_token_id: 1,
    num_hidden_layers,
    hidden_size,
    num_attention_heads,
    intermediate_size,
    ...overrides,
  });
}

/**
 * Validate a parsed HF RoBERTa config.json: BERT's checks, model_type "roberta" when given,
 * pad_token_id (default 1) inside the vocabulary and leaving room for at least one position.
 */
export function parseRobertaConfig(json: unknown, source = 'RobertaConfig'): RobertaConfig {
  const bert = parseBertConfig(json, source);
  const o = json as Record<string, unknown>;
  if (o.model_type !== undefined && o.model_type !== 'roberta') {
    throw new Error(
      `${source}: field "model_type" must be "roberta" for a RoBERTa model, got ${JSON.stringify(o.model_type)}`,
    );
  }
  const pad = o.pad_token_id ?? 1;
  if (typeof pad !== 'number' || !Number.isInteger(pad) || pad < 0 || pad >= bert.vocab_size) {
    throw new Error(
      `${source}: field "pad_token_id" must be an integer in [0, vocab_size ${bert.vocab_size}), got ${JSON.stringify(o.pad_token_id)}`,
    );
  }
  if (bert.max_position_embeddings <= pad + 1) {
    throw new Error(
      `${source}: field "max_position_embeddings" must exceed pad_token_id + 1 = ${pad + 1} (RoBERTa's positions start there), got ${bert.max_position_embeddings}`,
    );
  }
  return { ...bert, pad_token_id: pad };
}
