// A RoBERTa dir through loadEncoder and `pnpm eval --model DIR`: a Hugging Face RoBERTa dir
// (config.json with model_type "roberta", model.safetensors, vocab.json + merges.txt) and the
// sentence-transformers layout (0_Transformer/, mean Pooling, Normalize, max_seq_length), checked
// against the model and tokenizer run directly. RobertaModel itself is checked against PyTorch in
// packages/nn/test/roberta.test.ts.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BpeTokenizer, bytesToUnicode, pool, RobertaModel, robertaConfig, writeSafetensors } from '@jepa/nn';
import { manualSeed, noGrad, tensor, tidyAsync } from '@jepa/tensor';
import { loadRerankJsonl } from '../src/data/rerank.ts';
import { evaluateRerank } from '../src/eval/rerank.ts';
import { loadEncoder } from '../src/model/load.ts';
import { randomWeights } from '../../nn/test/helpers.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'jepa-roberta-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Every byte as a token (so any text encodes without <unk>), RoBERTa's specials, two merges.
const VOCAB: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
bytesToUnicode().forEach((c, b) => {
  VOCAB[c] = 4 + b;
});
Object.assign(VOCAB, { '<mask>': 260, Ġt: 261, Ġth: 262 });
const MERGES = '#version: 0.2\nĠ t\nĠt h\n';

const cfg = robertaConfig('base', {
  vocab_size: 263,
  hidden_size: 32,
  num_attention_heads: 2,
  num_hidden_layers: 2,
  intermediate_size: 64,
  max_position_embeddings: 66,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
});

const TEXTS = [
  'how do i mount a usb drive on ubuntu',
  'wifi drops after suspend',
  'the screen goes black after login',
  'Ünïcödé title with the accents',
  'apt',
];

/** A random RoBERTa's files written into `dir`; returns the model (eval mode) and its tokenizer. */
async function writeRoberta(dir: string): Promise<{ model: RobertaModel; tok: BpeTokenizer }> {
  manualSeed(4);
  const model = new RobertaModel(cfg).eval();
  const w = randomWeights(model, 31);
  model.loadStateDict(w);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ architectures: ['RobertaModel'], model_type: 'roberta', ...cfg }),
  );
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(Object.fromEntries(w)));
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(VOCAB));
  writeFileSync(join(dir, 'merges.txt'), MERGES);
  return { model, tok: BpeTokenizer.fromFiles(VOCAB, MERGES) };
}

/** Pooled rows of the model run directly on the tokenizer's batch. */
async function direct(
  model: RobertaModel,
  tok: BpeTokenizer,
  texts: string[],
  mode: 'cls' | 'mean',
  maxLength: number,
): Promise<Float32Array[]> {
  const b = tok.encodeBatch(texts, { maxLength });
  const flat = await tidyAsync(async () =>
    noGrad(() => {
      const mask = tensor(Float32Array.from(b.attentionMask), [b.batch, b.seqLen]);
      const { lastHidden } = model.forward(tensor(b.ids, [b.batch, b.seqLen], 'i32'), mask);
      return pool(lastHidden, mask, mode);
    }).toArray(),
  );
  const H = cfg.hidden_size;
  return texts.map((_, i) => flat.slice(i * H, (i + 1) * H));
}

const worst = (a: Float32Array[], b: Float32Array[]) =>
  Math.max(...a.map((row, i) => Math.max(...row.map((v, j) => Math.abs(v - b[i][j])))));

describe('a RoBERTa dir through loadEncoder', () => {
  it('a Hugging Face RoBERTa dir: RobertaModel + byte-level BPE, CLS pooling by default', async () => {
    const dir = join(tmp, 'hf');
    const { model, tok } = await writeRoberta(dir);
    const enc = await loadEncoder(dir);
    expect(enc.bert).toBeInstanceOf(RobertaModel);
    expect(enc.tokenizer).toBeInstanceOf(BpeTokenizer);
    expect([enc.pooling, enc.maxTokens, enc.hidden]).toEqual(['cls', 128, 32]);
    // "the" is Ġth + e: the merges are in use.
    expect(tok.encode(' the').ids).toEqual([0, 262, VOCAB.e, 2]);
    const got = await enc.embed(TEXTS);
    const want = await direct(model, tok, TEXTS, 'cls', 128);
    expect(worst(got, want)).toBeLessThanOrEqual(1e-5);
    // Not a constant: the rows differ.
    expect(worst([got[0]], [got[1]])).toBeGreaterThan(1e-2);
    enc.bert.dispose();
    model.dispose();
  });

  it('the sentence-transformers layout: 0_Transformer/, mean Pooling, Normalize, max_seq_length', async () => {
    const dir = join(tmp, 'st');
    const { model, tok } = await writeRoberta(join(dir, '0_Transformer'));
    const st = 'sentence_transformers.models.';
    writeFileSync(
      join(dir, 'modules.json'),
      JSON.stringify([
        { idx: 0, name: '0', path: '0_Transformer', type: `${st}Transformer` },
        { idx: 1, name: '1', path: '1_Pooling', type: `${st}Pooling` },
        { idx: 2, name: '2', path: '2_Normalize', type: `${st}Normalize` },
      ]),
    );
    writeFileSync(
      join(dir, '0_Transformer', 'sentence_bert_config.json'),
      JSON.stringify({ max_seq_length: 8, do_lower_case: false }),
    );
    mkdirSync(join(dir, '1_Pooling'));
    writeFileSync(
      join(dir, '1_Pooling', 'config.json'),
      JSON.stringify({ word_embedding_dimension: 32, pooling_mode_mean_tokens: true }),
    );
    mkdirSync(join(dir, '2_Normalize'));
    const enc = await loadEncoder(dir);
    expect([enc.pooling, enc.maxTokens, enc.normalize]).toEqual(['mean', 8, true]);
    const got = await enc.embed(TEXTS);
    const want = (await direct(model, tok, TEXTS, 'mean', 8)).map((r) => {
      const n = Math.hypot(...r);
      return r.map((v) => v / n);
    });
    expect(worst(got, want)).toBeLessThanOrEqual(1e-5);
    enc.bert.dispose();
    model.dispose();
  });

  it('pnpm eval --model DIR scores a RoBERTa dir as the library does', async () => {
    const dir = join(tmp, 'hf');
    const file = join(tmp, 'rerank.jsonl');
    const q = (query: string, positive: string[], negative: string[]) => JSON.stringify({ query, positive, negative });
    writeFileSync(
      file,
      `${[
        q('mount usb drive', ['how do i mount a usb drive on ubuntu'], ['wifi drops after suspend', 'apt']),
        q('wifi suspend', ['wifi drops after suspend'], ['the screen goes black after login', 'apt is slow']),
        q('black screen', ['the screen goes black after login'], ['how do i mount a usb drive', 'grub rescue']),
      ].join('\n')}\n`,
    );
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'packages/jepa/src/cli/eval.ts', '--model', dir, '--file', file],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]);
    const enc = await loadEncoder(dir);
    const m = await evaluateRerank(loadRerankJsonl(file), (t) => enc.embed(t));
    enc.bert.dispose();
    expect(out).toMatchObject({ task: 'askubuntu', model: dir, queries: 3, pooling: 'cls' });
    expect(out.map).toBe(Math.round(m.map * 100) / 100);
    expect(out.mrr10).toBe(Math.round(m.mrr10 * 100) / 100);
  });

  it('a RoBERTa dir without tokenizer files is an error naming them', async () => {
    const dir = join(tmp, 'notok');
    const { model } = await writeRoberta(dir);
    model.dispose();
    rmSync(join(dir, 'merges.txt'));
    await expect(loadEncoder(dir)).rejects.toThrow(/vocab.json \+ merges.txt or tokenizer.json/);
  });
});
