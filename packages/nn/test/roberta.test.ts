// RobertaModel: HF names, RoBERTa's position ids, and parity with an independent PyTorch RoBERTa
// (torch/roberta.py, written from HF's RobertaModel: create_position_ids_from_input_ids, padding_idx
// embeddings, the additive finfo.min attention mask) started from the same random weights, on a
// padded batch with a pad in the middle of a row: position ids, hidden states, pooled output, loss and
// every parameter's gradient. One rule for every compared tensor, as jepa's torch-parity test:
// max|ours − torch| ≤ RTOL · max|torch|; a gradient that is exactly 0 in float64 (attention key
// biases) carries only round-off and is measured against the largest gradient instead.
import '../../../test/gpu.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { add, manualSeed, mul, noGrad, reshape, sum, tensor, tidyAsync } from '@jepa/tensor';
import { randArray } from '../../tensor/test/helpers.ts';
import {
  BertModel,
  BpeTokenizer,
  parseRobertaConfig,
  RobertaModel,
  robertaConfig,
  robertaPositionIds,
  robertaPositionIdsHost,
  type RobertaConfig,
  writeSafetensors,
} from '../src/index.ts';
import { hfNames, randomWeights } from './helpers.ts';
import { runTorch, torchVersion, type HostTensors } from './torch/bridge.ts';

const RTOL = 2e-4;
const ZERO = 1e-12;

const version = torchVersion();
if (!version && process.env.JEPA_REQUIRE_TORCH === '1') {
  throw new Error('roberta: JEPA_REQUIRE_TORCH=1 but python3 cannot import torch (run scripts/setup-test.sh)');
}

const small = (o: Partial<RobertaConfig> = {}): RobertaConfig =>
  robertaConfig('base', {
    vocab_size: 97,
    hidden_size: 64,
    num_attention_heads: 4,
    num_hidden_layers: 2,
    intermediate_size: 128,
    max_position_embeddings: 40,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    ...o,
  });

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('RobertaConfig', () => {
  it("presets carry roberta-base's values; config.json is validated", () => {
    const b = robertaConfig('base');
    expect([b.vocab_size, b.max_position_embeddings, b.type_vocab_size, b.layer_norm_eps, b.pad_token_id]).toEqual([
      50265, 514, 1, 1e-5, 1,
    ]);
    const dims = (c: RobertaConfig) => [c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size];
    expect(dims(robertaConfig('distil'))).toEqual([6, 768, 12, 3072]);
    expect(dims(robertaConfig('large'))).toEqual([24, 1024, 16, 4096]);
    const hf = { architectures: ['RobertaModel'], model_type: 'roberta', ...small(), bos_token_id: 0 };
    expect(parseRobertaConfig(hf).pad_token_id).toBe(1);
    const { pad_token_id: _, ...noPad } = hf;
    expect(parseRobertaConfig(noPad).pad_token_id).toBe(1);
    expect(() => parseRobertaConfig({ ...hf, model_type: 'bert' }, 'x/config.json')).toThrow(
      'x/config.json: field "model_type" must be "roberta" for a RoBERTa model, got "bert"',
    );
    expect(() => parseRobertaConfig({ ...hf, pad_token_id: 97 })).toThrow(
      /field "pad_token_id" must be an integer in \[0, vocab_size 97\), got 97/,
    );
    expect(() => parseRobertaConfig({ ...hf, max_position_embeddings: 2 })).toThrow(
      /field "max_position_embeddings" must exceed pad_token_id \+ 1 = 2/,
    );
    expect(() => robertaConfig('huge' as never)).toThrow(/unknown preset "huge"/);
  });
});

describe('RobertaModel', () => {
  it("has exactly HF RobertaModel's parameter names (BERT's) and shapes", () => {
    const m = new RobertaModel(small());
    expect(m.namedParameters().map(([n]) => n)).toEqual(hfNames(2));
    const sd = m.stateDict();
    expect(sd.get('embeddings.position_embeddings.weight')!.shape).toEqual([40, 64]);
    expect(sd.get('embeddings.token_type_embeddings.weight')!.shape).toEqual([1, 64]);
    m.dispose();
  });

  it('position ids: non-pad tokens count from padding_idx + 1, pads stay at padding_idx', async () => {
    // Pad 1; a pad in the middle of row 2 is skipped by the count, as HF's cumsum does.
    const ids = [0, 5, 6, 2, 1, 1, 0, 7, 2, 1, 1, 1, 0, 1, 5, 2, 1, 9];
    const want = [2, 3, 4, 5, 1, 1, 2, 3, 4, 1, 1, 1, 2, 1, 3, 4, 1, 5];
    expect([...robertaPositionIdsHost(ids, 6, 1)]).toEqual(want);
    const got = await tidyAsync(async () =>
      robertaPositionIds(tensor(Int32Array.from(ids), [3, 6], 'i32'), 1).toArray(),
    );
    expect([...got]).toEqual(want);
    // Another padding index (pad 0, as a BERT-style vocabulary would have).
    expect([...robertaPositionIdsHost([3, 0, 4, 4], 4, 0)]).toEqual([1, 0, 2, 3]);
    const m = new RobertaModel(small({ max_position_embeddings: 10 }));
    // 9 tokens need positions up to 10: one more than the table's 10 rows [0, 10).
    expect(() => m.forward(tensor(new Int32Array(9).fill(5), [1, 9], 'i32'))).toThrow(
      /sequence length 9 needs positions up to 10 .* beyond max_position_embeddings 10: at most 8 tokens/,
    );
    m.dispose();
  });

  it.skipIf(!version)(`matches PyTorch ${version ?? '(not installed)'}: forward and every gradient`, async () => {
    const cfg = small();
    manualSeed(3);
    const m = new RobertaModel(cfg).train(); // dropout 0: train mode is the same function
    const w = randomWeights(m, 21);
    m.loadStateDict(w);
    const B = 4;
    const T = 12;
    const lens = [12, 7, 3, 9];
    const ids = new Int32Array(B * T).fill(cfg.pad_token_id);
    const mask = new Float32Array(B * T);
    const next = randArray(B * T, 5);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < lens[b]; t++) {
        const r = Math.floor(Math.abs(next[b * T + t]) * 1e4);
        ids[b * T + t] = t === 0 ? 0 : t === lens[b] - 1 ? 2 : 3 + (r % (cfg.vocab_size - 3));
        mask[b * T + t] = 1;
      }
    }
    // A <pad> inside row 3, masked: not counted as a position (HF counts ids, not the mask).
    ids[3 * T + 4] = cfg.pad_token_id;
    mask[3 * T + 4] = 0;
    const H = cfg.hidden_size;
    const wHidden = randArray(B * T * H, 8);
    const wPooled = randArray(B * H, 9);
    const named = m.namedParameters();
    const ours = await tidyAsync(async () => {
      const out = m.forward(tensor(ids, [B, T], 'i32'), tensor(mask, [B, T]));
      const loss = add(
        sum(mul(mul(out.lastHidden, tensor(wHidden, [B, T, H])), reshape(tensor(mask, [B, T]), [B, T, 1]))),
        sum(mul(out.pooled!, tensor(wPooled, [B, H]))),
      );
      loss.backward();
      const grads = new Map<string, Float32Array>();
      for (const [n, t] of named) grads.set(n, await t.grad!.toArray());
      const pos = await noGrad(() => robertaPositionIds(tensor(ids, [B, T], 'i32'), cfg.pad_token_id)).toArray();
      return {
        hidden: await out.lastHidden.toArray(),
        pooled: await out.pooled!.toArray(),
        loss: await loss.item(),
        grads,
        pos,
      };
    });
    const inputs: HostTensors = {};
    for (const [n, t] of w) inputs[n] = t;
    inputs['input.ids'] = { shape: [B, T], data: ids };
    inputs['input.mask'] = { shape: [B, T], data: mask };
    inputs['input.w_hidden'] = { shape: [B, T, H], data: wHidden };
    inputs['input.w_pooled'] = { shape: [B, H], data: wPooled };
    const ref = await runTorch('roberta.py', cfg, inputs);
    const r = (k: string) => ref.get(k)!.data;
    expect([...ours.pos]).toEqual([...r('position_ids')]);
    expect([...ours.pos.slice(3 * T, 4 * T)]).toEqual([2, 3, 4, 5, 1, 6, 7, 8, 9, 1, 1, 1]);
    const report: string[] = [];
    const rel = (a: ArrayLike<number>, b: ArrayLike<number>, scale = maxAbs(b)) => maxDiff(a, b) / scale;
    // Padded rows of the hidden state are compared too: HF computes them, and so do we.
    const fwd = {
      hidden: rel(ours.hidden, r('hidden')),
      pooled: rel(ours.pooled, r('pooled')),
      loss: Math.abs(ours.loss - r('loss')[0]) / Math.abs(r('loss')[0]),
    };
    report.push(
      `forward: hidden ${fwd.hidden.toExponential(2)} (torch f32 vs f64 ${rel(r('hidden'), r('hidden64')).toExponential(2)}), pooled ${fwd.pooled.toExponential(2)}, loss ${fwd.loss.toExponential(2)}`,
    );
    for (const v of Object.values(fwd)) expect(v).toBeLessThanOrEqual(RTOL);
    const top64 = Math.max(...named.map(([n]) => maxAbs(r(`grad64.${n}`))));
    let worst = 0;
    let zeros = 0;
    const bad: string[] = [];
    for (const [n] of named) {
      const zero = maxAbs(r(`grad64.${n}`)) <= ZERO * top64;
      if (zero) zeros++;
      const err = rel(ours.grads.get(n)!, r(`grad.${n}`), zero ? top64 : undefined);
      worst = Math.max(worst, err);
      if (!(err <= RTOL)) bad.push(`grad ${n}: ${err.toExponential(2)}`);
    }
    // The pad rows of the word and position tables get no gradient (HF's padding_idx; here because
    // pads are masked out of attention and the loss).
    const pad = cfg.pad_token_id;
    const rowOf = (n: string) => ours.grads.get(n)!.slice(pad * H, (pad + 1) * H);
    expect(maxAbs(rowOf('embeddings.word_embeddings.weight'))).toBe(0);
    expect(maxAbs(rowOf('embeddings.position_embeddings.weight'))).toBe(0);
    report.push(`gradients: ${named.length} tensors (${zeros} exactly 0 in float64), worst ${worst.toExponential(2)}`);
    console.log(`RoBERTa vs PyTorch ${version}\n  ${report.join('\n  ')}`);
    expect(bad).toEqual([]);
    m.dispose();
  });

  it('differs from BERT on the same weights only through the positions', async () => {
    // BERT's positions 0..T-1 are RoBERTa's pad + 1 .. pad + T when nothing is padded: with the
    // table shifted by pad + 1 rows the two models agree.
    const cfg = small();
    const rob = new RobertaModel(cfg).eval();
    const w = randomWeights(rob, 4);
    rob.loadStateDict(w);
    const bert = new BertModel({ ...cfg, max_position_embeddings: cfg.max_position_embeddings - 2 }).eval();
    const shifted = new Map(w);
    const pos = w.get('embeddings.position_embeddings.weight')!;
    shifted.set('embeddings.position_embeddings.weight', {
      shape: [pos.shape[0] - 2, pos.shape[1]],
      data: pos.data.slice(2 * pos.shape[1]),
    });
    bert.loadStateDict(shifted);
    const ids = Int32Array.from({ length: 14 }, (_, i) => 3 + ((i * 13) % 90));
    await tidyAsync(async () => {
      const a = await noGrad(() => rob.forward(tensor(ids, [2, 7], 'i32'))).lastHidden.toArray();
      const b = await noGrad(() => bert.forward(tensor(ids, [2, 7], 'i32'))).lastHidden.toArray();
      expect(maxDiff(a, b)).toBeLessThanOrEqual(1e-5);
    });
    rob.dispose();
    bert.dispose();
  });

  it('loads HF task-model files: roberta. prefix; position_ids, lm_head.* and classifier.* ignored', async () => {
    manualSeed(5);
    const src = new RobertaModel(small());
    const m = new RobertaModel(small());
    const hf = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
    for (const [n, t] of src.stateDict()) hf.set(`roberta.${n}`, { shape: [...t.shape], data: await t.toArray() });
    hf.set('roberta.embeddings.position_ids', { shape: [1, 40], data: Int32Array.from({ length: 40 }, (_, i) => i) });
    hf.set('lm_head.bias', { shape: [97], data: new Float32Array(97) });
    hf.set('lm_head.dense.weight', { shape: [64, 64], data: new Float32Array(64 * 64) });
    m.loadStateDict(hf);
    const want = await src.embeddings.positionEmbeddings.weight.toArray();
    expect([...(await m.embeddings.positionEmbeddings.weight.toArray())]).toEqual([...want]);
    const res = m.loadStateDict(hf, { strict: false });
    expect(res.unexpected.sort()).toEqual(['lm_head.bias', 'lm_head.dense.weight', 'roberta.embeddings.position_ids']);
    hf.delete('roberta.encoder.layer.1.output.dense.bias');
    expect(() => m.loadStateDict(hf)).toThrow(/missing "encoder.layer.1.output.dense.bias"/);
    src.dispose();
    m.dispose();
  });
});

// A hand-made byte-level vocabulary (see bpe-tokenizer.test.ts): ids < 19 <= vocab_size 97.
const VOCAB: Record<string, number> = {
  '<s>': 0,
  '<pad>': 1,
  '</s>': 2,
  '<unk>': 3,
  l: 4,
  o: 5,
  w: 6,
  e: 7,
  r: 8,
  n: 9,
  Ġ: 10,
  low: 11,
  er: 12,
  Ġlow: 13,
  Ġnewer: 14,
  lo: 15,
  Ã: 16,
  '©': 17,
  '<mask>': 18,
};
const MERGES = '#version: 0.2\nl o\nlo w\ne r\nĠ lo\nĠlo w\nĠ n\nĠn e\nĠne w\nĠnew er\n';

describe('RobertaModel.fromPretrained', () => {
  it('reads config.json, model.safetensors and vocab.json + merges.txt, or tokenizer.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roberta-pre-'));
    try {
      const cfg = small();
      manualSeed(9);
      const src = new RobertaModel(cfg).eval();
      const st: HostTensors = {};
      for (const [n, t] of src.stateDict()) st[n] = { shape: [...t.shape], data: await t.toArray() };
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'roberta' }));
      await writeFile(join(dir, 'model.safetensors'), writeSafetensors(st));
      await writeFile(join(dir, 'vocab.json'), JSON.stringify(VOCAB));
      await writeFile(join(dir, 'merges.txt'), MERGES);
      const { model, tokenizer, load } = await RobertaModel.fromPretrained(dir);
      expect(load).toEqual({ missing: [], unexpected: [], mismatched: [] });
      expect(tokenizer).toBeInstanceOf(BpeTokenizer);
      const enc = tokenizer.encodeBatch(['lower newer', 'low'], { maxLength: 16 });
      expect([...enc.ids]).toEqual([0, 11, 12, 14, 2, 0, 11, 2, 1, 1]);
      await tidyAsync(async () => {
        const run = (mod: RobertaModel) =>
          noGrad(() =>
            mod.forward(tensor(enc.ids, [enc.batch, enc.seqLen], 'i32'), tensor(enc.attentionMask, [2, 5], 'i32')),
          ).lastHidden.toArray();
        expect([...(await run(model))]).toEqual([...(await run(src))]);
      });
      model.dispose();
      // tokenizer.json instead of vocab.json + merges.txt, add_prefix_space from tokenizer_config.json.
      await rm(join(dir, 'vocab.json'));
      await rm(join(dir, 'merges.txt'));
      const tj = {
        model: { type: 'BPE', vocab: VOCAB, merges: MERGES.split('\n').slice(1, -1) },
        pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false },
      };
      await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tj));
      await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ add_prefix_space: true }));
      const again = await RobertaModel.fromPretrained(dir);
      expect(again.tokenizer.encode('newer').ids).toEqual([0, 14, 2]);
      again.model.dispose();
      // Errors name the file at fault.
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, model_type: 'roberta', pad_token_id: 0 }));
      await expect(RobertaModel.fromPretrained(dir)).rejects.toThrow(
        `the tokenizer's <pad> is id 1 but ${join(dir, 'config.json')} has pad_token_id 0`,
      );
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 32, num_attention_heads: 2 }));
      await expect(RobertaModel.fromPretrained(dir)).rejects.toThrow(
        /model.safetensors does not match .*config.json: .*shape mismatch for embeddings.word_embeddings.weight: expected \[97, 32\], got \[97, 64\]/,
      );
      await rm(join(dir, 'tokenizer.json'));
      await writeFile(join(dir, 'config.json'), JSON.stringify(cfg));
      await expect(RobertaModel.fromPretrained(dir)).rejects.toThrow(
        /no tokenizer files \(expected vocab.json \+ merges.txt, or tokenizer.json\)/,
      );
      src.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
