import '../../../test/gpu.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSeed, noGrad, tensor, tidyAsync } from '@jepa/tensor';
import { expectClose } from '../../tensor/test/helpers.ts';
import { BertModel, bertConfig, parseBertConfig, pool, type BertConfig } from '../src/index.ts';
import { bertRef, poolRef, type RefWeights } from './bert-ref.ts';
import { hfNames, randomWeights } from './helpers.ts';

const small = (): BertConfig =>
  bertConfig('tiny', {
    vocab_size: 97,
    max_position_embeddings: 16,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
  });

describe('BertConfig', () => {
  it('presets match the BERT miniatures and bert-base', () => {
    const dims = (c: BertConfig) => [c.num_hidden_layers, c.hidden_size, c.num_attention_heads, c.intermediate_size];
    expect(dims(bertConfig('tiny'))).toEqual([2, 128, 2, 512]);
    expect(dims(bertConfig('mini'))).toEqual([4, 256, 4, 1024]);
    expect(dims(bertConfig('small'))).toEqual([4, 512, 8, 2048]);
    expect(dims(bertConfig('base'))).toEqual([12, 768, 12, 3072]);
    const b = bertConfig('base');
    expect([b.vocab_size, b.max_position_embeddings, b.type_vocab_size, b.layer_norm_eps]).toEqual([
      30522, 512, 2, 1e-12,
    ]);
  });

  it('parses HF config.json and names the bad field', () => {
    const hf = { architectures: ['BertForMaskedLM'], model_type: 'bert', ...bertConfig('mini'), pad_token_id: 0 };
    expect(parseBertConfig(hf).hidden_size).toBe(256);
    expect(() => parseBertConfig({ ...hf, hidden_size: 250 })).toThrow(
      /field "num_attention_heads" must divide hidden_size 250/,
    );
    expect(() => parseBertConfig({ ...hf, vocab_size: '1' })).toThrow(
      /field "vocab_size" must be a positive integer, got "1"/,
    );
    expect(() => parseBertConfig({ ...hf, hidden_act: 'relu' })).toThrow(/field "hidden_act"/);
    expect(() => parseBertConfig({ ...hf, hidden_dropout_prob: 1.5 })).toThrow(/field "hidden_dropout_prob"/);
    expect(() => parseBertConfig({ ...hf, num_hidden_layers: undefined })).toThrow(/field "num_hidden_layers"/);
    expect(() => bertConfig('huge' as never)).toThrow(/unknown preset "huge"/);
  });
});

describe('BertModel', () => {
  it('has exactly the HF BertModel parameter names and shapes', () => {
    const m = new BertModel('tiny');
    const names = m.namedParameters().map(([n]) => n);
    expect(names).toEqual(hfNames(2));
    const sd = m.stateDict();
    expect(sd.get('embeddings.word_embeddings.weight')!.shape).toEqual([30522, 128]);
    expect(sd.get('encoder.layer.1.intermediate.dense.weight')!.shape).toEqual([512, 128]);
    expect(sd.get('encoder.layer.1.output.dense.weight')!.shape).toEqual([128, 512]);
    const np = new BertModel('tiny', { pooler: false });
    expect(np.namedParameters().some(([n]) => n.startsWith('pooler'))).toBe(false);
    np.dispose();
    m.dispose();
  });

  it('matches a float64 CPU reference forward (2 layers, padding, token types)', async () => {
    const cfg = small();
    const m = new BertModel(cfg).eval();
    const w = randomWeights(m);
    m.loadStateDict(w);
    const B = 3,
      T = 9;
    const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 37 + 5) % cfg.vocab_size);
    const lens = [9, 5, 1];
    const mask = Int32Array.from({ length: B * T }, (_, i) => (i % T < lens[Math.floor(i / T)] ? 1 : 0));
    const types = Int32Array.from({ length: B * T }, (_, i) => (i % T > 3 ? 1 : 0));
    const ref = bertRef(
      cfg,
      new Map([...w].map(([n, t]) => [n, Float64Array.from(t.data)])) as RefWeights,
      ids,
      mask,
      B,
      T,
      types,
    );
    await tidyAsync(async () => {
      const out = noGrad(() =>
        m.forward(tensor(ids, [B, T], 'i32'), tensor(mask, [B, T], 'i32'), tensor(types, [B, T], 'i32')),
      );
      expect(out.lastHidden.shape).toEqual([B, T, cfg.hidden_size]);
      expectClose(await out.lastHidden.toArray(), ref.lastHidden, 1e-4, 1e-4, 'lastHidden');
      expectClose(await out.pooled!.toArray(), ref.pooled, 1e-4, 1e-4, 'pooled');
      const H = cfg.hidden_size;
      const fmask = tensor(Float32Array.from(mask), [B, T]);
      for (const mode of ['cls', 'mean', 'max'] as const) {
        const got = await pool(out.lastHidden, mode === 'mean' ? fmask : tensor(mask, [B, T], 'i32'), mode).toArray();
        expectClose(got, poolRef(ref.lastHidden, mask, B, T, H, mode), 1e-4, 1e-4, `pool ${mode}`);
      }
      // train mode with zero dropout is the same function
      m.train();
      const tr = m.forward(
        tensor(ids, [B, T], 'i32'),
        tensor(Float32Array.from(mask), [B, T]),
        tensor(types, [B, T], 'i32'),
      );
      expectClose(await tr.lastHidden.toArray(), ref.lastHidden, 1e-4, 1e-4, 'lastHidden (train, p=0)');
    });
    m.dispose();
  });

  it('loads HF task-model files: bert. prefix, position_ids and cls.* ignored (reported when not strict)', async () => {
    manualSeed(5);
    const src = new BertModel(small());
    const m = new BertModel(small());
    const hf = new Map<string, { shape: number[]; data: Float32Array | Int32Array }>();
    for (const [n, t] of src.stateDict()) hf.set(`bert.${n}`, { shape: [...t.shape], data: await t.toArray() });
    hf.set('bert.embeddings.position_ids', { shape: [1, 16], data: Int32Array.from({ length: 16 }, (_, i) => i) });
    hf.set('cls.predictions.bias', { shape: [97], data: new Float32Array(97) });
    m.loadStateDict(hf); // strict: extras are not errors
    const w = await m.embeddings.wordEmbeddings.weight.toArray();
    expect(Array.from(w)).toEqual(Array.from(await src.embeddings.wordEmbeddings.weight.toArray()));
    const res = m.loadStateDict(hf, { strict: false });
    expect(res.unexpected.sort()).toEqual(['bert.embeddings.position_ids', 'cls.predictions.bias']);
    hf.delete('bert.pooler.dense.bias');
    expect(() => m.loadStateDict(hf)).toThrow(/missing "pooler.dense.bias"/);
    src.dispose();
    m.dispose();
  });

  it('fromPretrained reads config.json, BF16 model.safetensors and vocab.txt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bert-pre-'));
    try {
      const cfg = small();
      manualSeed(9);
      const src = new BertModel(cfg);
      // Build a BF16 file by hand: the writer only emits F32/I32, HF checkpoints are often half.
      const entries: [string, number[], Uint16Array][] = [];
      for (const [n, t] of src.stateDict()) {
        const bits = new Uint32Array((await t.toArray()).buffer);
        entries.push([`bert.${n}`, [...t.shape], Uint16Array.from(bits, (b) => b >>> 16)]);
      }
      let off = 0;
      const header: Record<string, unknown> = {};
      for (const [n, shape, d] of entries) {
        header[n] = { dtype: 'BF16', shape, data_offsets: [off, off + d.byteLength] };
        off += d.byteLength;
      }
      const json = new TextEncoder().encode(JSON.stringify(header));
      const file = new Uint8Array(8 + json.length + off);
      new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
      file.set(json, 8);
      let p = 8 + json.length;
      for (const [, , d] of entries) {
        file.set(new Uint8Array(d.buffer), p);
        p += d.byteLength;
      }
      await writeFile(join(dir, 'model.safetensors'), file);
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, architectures: ['BertForMaskedLM'] }));
      await writeFile(
        join(dir, 'vocab.txt'),
        `${['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'world'].join('\n')}\n`,
      );
      const { model, tokenizer } = await BertModel.fromPretrained(dir);
      expect(tokenizer.encode('hello world').ids).toEqual([2, 5, 6, 3]);
      const got = new Uint32Array(
        (await model.stateDict().get('encoder.layer.1.output.dense.weight')!.toArray()).buffer,
      );
      const want = entries.find(([n]) => n === 'bert.encoder.layer.1.output.dense.weight')![2];
      expect(Array.from(got, (b) => b >>> 16)).toEqual(Array.from(want));
      expect(Array.from(got).every((b) => (b & 0xffff) === 0)).toBe(true);
      model.dispose();
      src.dispose();
      // Dropout rates may be replaced at load (fine-tuning); the result is validated like the file.
      const tuned = await BertModel.fromPretrained(dir, { configOverrides: { hidden_dropout_prob: 0.25 } });
      expect(tuned.model.config.hidden_dropout_prob).toBe(0.25);
      expect(tuned.model.config.attention_probs_dropout_prob).toBe(cfg.attention_probs_dropout_prob);
      tuned.model.dispose();
      await expect(BertModel.fromPretrained(dir, { configOverrides: { hidden_dropout_prob: 1.5 } })).rejects.toThrow(
        /config.json with overrides \{"hidden_dropout_prob":1.5\}: field "hidden_dropout_prob"/,
      );
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 129 }));
      await expect(BertModel.fromPretrained(dir)).rejects.toThrow(
        /config.json: field "num_attention_heads" must divide hidden_size 129/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad inputs with shapes in the message', () => {
    const m = new BertModel(small());
    expect(() => m.forward(tensor(new Float32Array(4), [2, 2]))).toThrow(/ids must be i32 \[B, T\], got f32\[2, 2\]/);
    expect(() => m.forward(tensor(new Int32Array(4), [2, 2]), tensor(new Float32Array(3), [1, 3]))).toThrow(
      /attentionMask must be \[2, 2\]/,
    );
    expect(() => m.forward(tensor(new Int32Array(34), [2, 17]))).toThrow(
      /sequence length 17 exceeds max_position_embeddings 16/,
    );
    m.dispose();
  });
});
