// BertConfig with Hugging Face field names, so config.json files load as-is; validation errors
// name the field. Presets follow the BERT miniatures (Turc et al.) and bert-base.
export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: 'gelu';
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
  hidden_dropout_prob: number;
  attention_probs_dropout_prob: number;
  /** Std of the normal init (HF initializer_range). */
  initializer_range: number;
}

export type BertPreset = 'tiny' | 'mini' | 'small' | 'base';

const COMMON = {
  vocab_size: 30522,
  hidden_act: 'gelu',
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  initializer_range: 0.02,
} as const;

const SIZES: Record<BertPreset, [layers: number, hidden: number, heads: number, intermediate: number]> = {
  tiny: [2, 128, 2, 512],
  mini: [4, 256, 4, 1024],
  small: [4, 512, 8, 2048],
  base: [12, 768, 12, 3072],
};

export const BERT_PRESETS: readonly BertPreset[] = Object.keys(SIZES) as BertPreset[];

/** A preset's config, with optional overrides (validated). */
export function bertConfig(preset: BertPreset, overrides: Partial<BertConfig> = {}): BertConfig {
  const size = SIZES[preset];
  if (!size) throw new Error(`bertConfig: unknown preset "${preset}" (known: ${BERT_PRESETS.join(', ')})`);
  const [num_hidden_layers, hidden_size, num_attention_heads, intermediate_size] = size;
  return parseBertConfig({
    ...COMMON,
    num_hidden_layers,
    hidden_size,
    num_attention_heads,
    intermediate_size,
    ...overrides,
  });
}

const INT_FIELDS = [
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'max_position_embeddings',
  'type_vocab_size',
] as const;
const PROB_FIELDS = ['hidden_dropout_prob', 'attention_probs_dropout_prob'] as const;

/**
 * Validate a parsed HF config.json (or any object with its fields). Unknown fields (architectures,
 * model_type, pad_token_id, ...) are ignored; optional ones take BERT's defaults.
 */
export function parseBertConfig(json: unknown, source = 'BertConfig'): BertConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${source}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  const fail = (field: string, why: string): never => {
    throw new Error(`${source}: field "${field}" ${why}, got ${JSON.stringify(o[field])}`);
  };
  const cfg: Record<string, unknown> = {};
  for (const f of INT_FIELDS) {
    const v = o[f] ?? (f === 'type_vocab_size' ? 2 : undefined);
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(f, 'must be a positive integer');
    cfg[f] = v;
  }
  for (const f of PROB_FIELDS) {
    const v = o[f] ?? 0.1;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(f, 'must be a number in [0, 1)');
    cfg[f] = v;
  }
  const eps = o.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) fail('layer_norm_eps', 'must be a positive number');
  const init = o.initializer_range ?? 0.02;
  if (typeof init !== 'number' || !(init > 0)) fail('initializer_range', 'must be a positive number');
  const posType = o.position_embedding_type ?? 'absolute';
  if (posType !== 'absolute') fail('position_embedding_type', 'must be "absolute" (the only kind implemented)');
  const act = o.hidden_act ?? 'gelu';
  if (act !== 'gelu') fail('hidden_act', 'must be "gelu" (the only activation implemented)');
  const c = { ...cfg, layer_norm_eps: eps, initializer_range: init, hidden_act: act } as BertConfig;
  if (c.hidden_size % c.num_attention_heads !== 0) {
    fail('num_attention_heads', `must divide hidden_size ${c.hidden_size}`);
  }
  return c;
}
