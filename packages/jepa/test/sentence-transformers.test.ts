// The exported model dir is also a sentence-transformers dir (modules.json, the Pooling and, for SIF,
// WordWeights modules, sentence_bert_config.json, config_sentence_transformers.json) with Hugging
// Face's tokenizer files; what sentence-transformers would compute from it is checked against a
// plain-PyTorch twin of its pipeline (st_reference.py; the library itself is not installable here).
// loadEncoder reads such dirs back: ours, a sentence-transformers-only one (root or 0_Transformer/),
// a plain HF BERT dir, tokenizer.json instead of vocab.txt; embed({ normalize }) and the cosines.
import '../../../test/gpu.ts';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cosineSimilarity, cosineSimilarityMatrix } from '../src/eval/cosine.ts';
import { loadEncoder, randomEncoder } from '../src/model/load.ts';
import { sifWeights } from '../src/model/sif.ts';
import { exportModel } from '../src/train/checkpoint.ts';
import { PYTHON, torchVersion } from './torch/bridge.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'jepa-st-'));
const TEXTS = [
  'how do i mount a usb drive',
  'Wifi not working after the upgrade!',
  'grub shows a black screen',
  'café',
];
const json = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const write = (p: string, j: unknown) => writeFileSync(p, JSON.stringify(j, null, 2));
const norm64 = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A copy of `src` as `name`, edited. */
function variant(src: string, name: string, edit: (d: string) => void): string {
  const d = join(tmp, name);
  cpSync(src, d, { recursive: true });
  edit(d);
  return d;
}

/** config.json without our `jepa` record: what a sentence-transformers user's dir says. */
const dropJepa = (d: string) => {
  const c = json(join(d, 'config.json'));
  delete c.jepa;
  write(join(d, 'config.json'), c);
};

let meanDir: string;
let sifDir: string;
let reDir: string;
let want: { mean: Float32Array[]; sif: Float32Array[]; weights: Float32Array };

describe('the exported dir is a sentence-transformers dir', () => {
  it('setup: a tiny mean model and a tiny SIF model, exported', async () => {
    const enc = await randomEncoder('tiny', { pooling: 'mean', maxTokens: 16 });
    meanDir = join(tmp, 'mean');
    sifDir = join(tmp, 'sif');
    await exportModel(meanDir, enc.bert, enc.tokenizer, { pooling: 'mean', maxTokens: 16, objective: 'none', step: 0 });
    const weights = sifWeights(enc.tokenizer, [...TEXTS, 'how do i install ubuntu', 'the drive is not mounted'], 16);
    await exportModel(
      sifDir,
      enc.bert,
      enc.tokenizer,
      { pooling: 'sif', maxTokens: 16, objective: 'none', step: 0 },
      weights,
    );
    // The same dir exported as SIF, then as CLS (as a run dir is rewritten at each save).
    reDir = join(tmp, 're');
    await exportModel(
      reDir,
      enc.bert,
      enc.tokenizer,
      { pooling: 'sif', maxTokens: 16, objective: 'none', step: 0 },
      weights,
    );
    await exportModel(reDir, enc.bert, enc.tokenizer, { pooling: 'cls', maxTokens: 16, objective: 'none', step: 0 });
    enc.bert.dispose();
    const m = await loadEncoder(meanDir);
    const s = await loadEncoder(sifDir);
    want = { mean: await m.embed(TEXTS), sif: await s.embed(TEXTS), weights };
    expect(s.pooling).toBe('sif');
    m.bert.dispose();
    s.bert.dispose();
  });

  it('writes the files sentence-transformers and transformers write, with these fields', () => {
    expect(readdirSync(meanDir).sort()).toEqual([
      '1_Pooling',
      'config.json',
      'config_sentence_transformers.json',
      'model.safetensors',
      'modules.json',
      'sentence_bert_config.json',
      'special_tokens_map.json',
      'tokenizer_config.json',
      'vocab.txt',
    ]);
    expect(json(join(meanDir, 'modules.json'))).toEqual([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]);
    expect(json(join(meanDir, '1_Pooling', 'config.json'))).toEqual({
      word_embedding_dimension: 128,
      pooling_mode_cls_token: false,
      pooling_mode_mean_tokens: true,
      pooling_mode_max_tokens: false,
      pooling_mode_mean_sqrt_len_tokens: false,
      pooling_mode_weightedmean_tokens: false,
      pooling_mode_lasttoken: false,
      include_prompt: true,
    });
    expect(json(join(meanDir, 'sentence_bert_config.json'))).toEqual({ max_seq_length: 16, do_lower_case: false });
    const cst = json(join(meanDir, 'config_sentence_transformers.json'));
    expect(cst).toMatchObject({ prompts: {}, default_prompt_name: null, similarity_fn_name: 'cosine' });
    expect(Object.keys(cst.__version__).sort()).toEqual(['pytorch', 'sentence_transformers', 'transformers']);
    const tc = json(join(meanDir, 'tokenizer_config.json'));
    expect(tc).toMatchObject({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      strip_accents: null,
      tokenize_chinese_chars: true,
      do_basic_tokenize: true,
      model_max_length: 16,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    });
    // bert-base-uncased's special ids.
    expect(Object.keys(tc.added_tokens_decoder)).toEqual(['0', '100', '101', '102', '103']);
    expect(tc.added_tokens_decoder['101'].content).toBe('[CLS]');
    expect(json(join(meanDir, 'special_tokens_map.json'))).toEqual({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
    // config.json: HF's BertModel config, plus ours.
    expect(json(join(meanDir, 'config.json'))).toMatchObject({
      architectures: ['BertModel'],
      model_type: 'bert',
      hidden_size: 128,
      jepa: { pooling: 'mean', maxTokens: 16 },
    });
  });

  it('SIF is a WordWeights module before a mean Pooling, holding exactly our token weights', () => {
    expect(json(join(sifDir, 'modules.json'))).toEqual([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_WordWeights', type: 'sentence_transformers.models.WordWeights' },
      { idx: 2, name: '2', path: '2_Pooling', type: 'sentence_transformers.models.Pooling' },
    ]);
    expect(existsSync(join(sifDir, '1_Pooling'))).toBe(false);
    expect(json(join(sifDir, '2_Pooling', 'config.json')).pooling_mode_mean_tokens).toBe(true);
    const ww = json(join(sifDir, '1_WordWeights', 'config.json'));
    expect(Object.keys(ww).sort()).toEqual(['unknown_word_weight', 'vocab', 'word_weights']);
    const vocab = readFileSync(join(sifDir, 'vocab.txt'), 'utf8').split('\n').slice(0, -1);
    expect(ww.vocab).toEqual(vocab);
    const back = Float32Array.from(vocab, (t: string) => ww.word_weights[t]);
    expect(back).toEqual(want.weights); // f32 values survive JSON exactly
    expect(ww.word_weights['[CLS]']).toBe(0);
    expect(existsSync(join(sifDir, 'token_weights.safetensors'))).toBe(true);
    // Re-exported without SIF, the module folders are replaced (token_weights.safetensors, ours, stays).
    expect(readdirSync(reDir).filter((f) => /^\d_/.test(f))).toEqual(['1_Pooling']);
    expect(json(join(reDir, '1_Pooling', 'config.json')).pooling_mode_cls_token).toBe(true);
    expect(json(join(reDir, 'modules.json')).map((m: { path: string }) => m.path)).toEqual(['', '1_Pooling']);
  });

  it.skipIf(!torchVersion())(
    'sentence-transformers (its pipeline in plain PyTorch) computes our embeddings',
    async () => {
      // And a cased tokenizer_config.json: the reference's own tokenizer port against ours.
      const cased = variant(meanDir, 'py-cased', (x) => {
        write(join(x, 'tokenizer_config.json'), { ...json(join(x, 'tokenizer_config.json')), do_lower_case: false });
      });
      const enc = await loadEncoder(cased);
      const casedWant = await enc.embed(TEXTS);
      enc.bert.dispose();
      expect(maxAbsDiff(casedWant[1]!, want.mean[1]!)).toBeGreaterThan(1e-3); // "Wifi" is [UNK] when cased
      for (const [d, mine] of [
        [meanDir, want.mean],
        [sifDir, want.sif],
        [cased, casedWant],
      ] as const) {
        const r = spawnSync(PYTHON, [join(root, 'packages/jepa/test/torch/st_reference.py'), d], {
          input: JSON.stringify(TEXTS),
          encoding: 'utf8',
          env: { ...process.env, OMP_NUM_THREADS: '1' },
        });
        expect(r.status, r.stderr).toBe(0);
        const ref = JSON.parse(r.stdout) as { tokens: string[]; embedding: number[] }[];
        // Uncased: accents stripped, as ours; cased: kept (and unknown to this vocabulary).
        expect(ref[3]!.tokens).toEqual(d === cased ? ['[UNK]'] : ['cafe']);
        ref.forEach((x, i) => expect(maxAbsDiff(mine[i]!, x.embedding), `${d} ${TEXTS[i]}`).toBeLessThan(2e-5));
      }
      // SIF and the plain mean differ: the WordWeights module matters.
      expect(maxAbsDiff(want.mean[0]!, want.sif[0]!)).toBeGreaterThan(1e-3);
    },
  );
});

describe('loadEncoder reads model dirs other tools write', () => {
  it('a sentence-transformers dir (no jepa record): pooling and max length from its files', async () => {
    const d = variant(meanDir, 'st-root', dropJepa);
    const enc = await loadEncoder(d);
    expect([enc.pooling, enc.maxTokens, enc.normalize]).toEqual(['mean', 16, false]);
    expect(
      maxAbsDiff(
        (await enc.embed(TEXTS)).flatMap((e) => [...e]),
        want.mean.flatMap((e) => [...e]),
      ),
    ).toBe(0);
    enc.bert.dispose();
  });

  it('its SIF as a WordWeights module (no token_weights.safetensors)', async () => {
    const d = variant(sifDir, 'st-sif', (x) => {
      dropJepa(x);
      rmSync(join(x, 'token_weights.safetensors'));
    });
    const enc = await loadEncoder(d);
    expect(enc.pooling).toBe('sif');
    expect(enc.tokenWeights).toEqual(want.weights);
    expect(
      maxAbsDiff(
        (await enc.embed(TEXTS)).flatMap((e) => [...e]),
        want.sif.flatMap((e) => [...e]),
      ),
    ).toBe(0);
    enc.bert.dispose();
  });

  it('the Transformer in 0_Transformer/, and a Normalize module', async () => {
    const d = variant(meanDir, 'st-sub', (x) => {
      dropJepa(x);
      mkdirSync(join(x, '0_Transformer'));
      for (const f of [
        'config.json',
        'model.safetensors',
        'vocab.txt',
        'tokenizer_config.json',
        'special_tokens_map.json',
        'sentence_bert_config.json',
      ])
        renameSync(join(x, f), join(x, '0_Transformer', f));
      mkdirSync(join(x, '2_Normalize'));
      write(join(x, 'modules.json'), [
        { idx: 0, name: '0', path: '0_Transformer', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
        { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
      ]);
    });
    const enc = await loadEncoder(d);
    expect([enc.pooling, enc.maxTokens, enc.normalize]).toEqual(['mean', 16, true]);
    const got = await enc.embed(TEXTS);
    got.forEach((e, i) => {
      expect(Math.abs(norm64(e) - 1)).toBeLessThan(1e-6);
      const n = norm64(want.mean[i]!);
      expect(
        maxAbsDiff(
          e,
          Array.from(want.mean[i]!, (x) => x / n),
        ),
      ).toBeLessThan(1e-6);
    });
    // The option wins over the module.
    const raw = await enc.embed(TEXTS, { normalize: false });
    expect(maxAbsDiff(raw[0]!, want.mean[0]!)).toBe(0);
    enc.bert.dispose();
    const off = await loadEncoder(d, { normalize: false });
    expect(off.normalize).toBe(false);
    off.bert.dispose();
  });

  it('a plain Hugging Face BERT dir: CLS pooling and 128 tokens, as before', async () => {
    const d = join(tmp, 'hf');
    mkdirSync(d);
    for (const f of ['model.safetensors', 'vocab.txt']) cpSync(join(meanDir, f), join(d, f));
    const c = json(join(meanDir, 'config.json'));
    delete c.jepa;
    write(join(d, 'config.json'), c);
    const enc = await loadEncoder(d);
    expect([enc.pooling, enc.maxTokens, enc.normalize, enc.tokenizer.options.lowercase]).toEqual([
      'cls',
      128,
      false,
      true,
    ]);
    enc.bert.dispose();
  });

  it('tokenizer.json instead of vocab.txt', async () => {
    const d = variant(meanDir, 'tokjson', (x) => {
      const tokens = readFileSync(join(x, 'vocab.txt'), 'utf8').split('\n').slice(0, -1);
      rmSync(join(x, 'vocab.txt'));
      rmSync(join(x, 'tokenizer_config.json'));
      write(join(x, 'tokenizer.json'), {
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => ({
          id: tokens.indexOf(t),
          content: t,
          special: true,
        })),
        normalizer: {
          type: 'BertNormalizer',
          clean_text: true,
          handle_chinese_chars: true,
          strip_accents: null,
          lowercase: true,
        },
        pre_tokenizer: { type: 'BertPreTokenizer' },
        post_processor: { type: 'BertProcessing', sep: ['[SEP]', 102], cls: ['[CLS]', 101] },
        decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
        model: {
          type: 'WordPiece',
          unk_token: '[UNK]',
          continuing_subword_prefix: '##',
          max_input_chars_per_word: 100,
          vocab: Object.fromEntries(tokens.map((t, i) => [t, i])),
        },
      });
    });
    const enc = await loadEncoder(d);
    expect(
      maxAbsDiff(
        (await enc.embed(TEXTS)).flatMap((e) => [...e]),
        want.mean.flatMap((e) => [...e]),
      ),
    ).toBe(0);
    enc.bert.dispose();
  });

  it('a cased tokenizer_config.json, and sentence-transformers do_lower_case on top of it', async () => {
    const d = variant(meanDir, 'cased', (x) => {
      const tc = json(join(x, 'tokenizer_config.json'));
      write(join(x, 'tokenizer_config.json'), { ...tc, do_lower_case: false });
    });
    const enc = await loadEncoder(d);
    expect(enc.tokenizer.options).toMatchObject({ lowercase: false, stripAccents: false });
    expect(enc.tokenizer.tokenize('Café')).toEqual(['[UNK]']); // the uncased vocab has no "Café"
    enc.bert.dispose();
    write(join(d, 'sentence_bert_config.json'), { max_seq_length: 16, do_lower_case: true });
    const lower = await loadEncoder(d);
    // The text is lowercased, the accents stay (the tokenizer's strip_accents follows its own do_lower_case).
    expect(lower.tokenizer.options).toMatchObject({ lowercase: true, stripAccents: false });
    lower.bert.dispose();
  });

  it('errors name the file and field', async () => {
    const bad = async (name: string, edit: (d: string) => void) => {
      const d = variant(meanDir, name, edit);
      return {
        d,
        err: await loadEncoder(d).then(
          () => '',
          (e: Error) => e.message,
        ),
      };
    };
    const modules = (extra: unknown[]) => (x: string) =>
      write(join(x, 'modules.json'), [...json(join(meanDir, 'modules.json')), ...extra]);
    let r = await bad(
      'dense',
      modules([{ idx: 2, name: '2', path: '2_Dense', type: 'sentence_transformers.models.Dense' }]),
    );
    expect(r.err).toBe(
      `${join(r.d, 'modules.json')}: [2].type is not supported (only sentence_transformers.models.Transformer, WordWeights, Pooling and Normalize), got "sentence_transformers.models.Dense"`,
    );
    r = await bad('two-modes', (x) =>
      write(join(x, '1_Pooling', 'config.json'), {
        ...json(join(x, '1_Pooling', 'config.json')),
        pooling_mode_max_tokens: true,
      }),
    );
    expect(r.err).toBe(
      `${join(r.d, '1_Pooling', 'config.json')}: pooling_mode_* must select exactly one of cls, mean, max (concatenated poolings are not supported), got ["mean","max"]`,
    );
    r = await bad('dim', (x) =>
      write(join(x, '1_Pooling', 'config.json'), {
        ...json(join(x, '1_Pooling', 'config.json')),
        word_embedding_dimension: 768,
      }),
    );
    expect(r.err).toBe(
      `${join(r.d, '1_Pooling', 'config.json')}: word_embedding_dimension must equal the model's hidden_size 128, got 768`,
    );
    r = await bad('seq', (x) => write(join(x, 'sentence_bert_config.json'), { max_seq_length: '16' }));
    expect(r.err).toBe(`${join(r.d, 'sentence_bert_config.json')}: max_seq_length must be an integer >= 2, got "16"`);
    r = await bad('tokcfg', (x) => write(join(x, 'tokenizer_config.json'), { do_lower_case: 1 }));
    expect(r.err).toBe(`${join(r.d, 'tokenizer_config.json')}: do_lower_case must be true, false or null, got 1`);
    r = await bad('bin', (x) => {
      renameSync(join(x, 'model.safetensors'), join(x, 'pytorch_model.bin'));
    });
    expect(r.err).toBe(
      `--model ${r.d}: missing model.safetensors (pytorch_model.bin is not read: save the weights as safetensors)`,
    );
    r = await bad('novocab', (x) => rmSync(join(x, 'vocab.txt')));
    expect(r.err).toContain(
      `--model ${r.d}: missing vocab.txt (expected a dir with config.json, model.safetensors and vocab.txt`,
    );
  });
});

describe('normalised embeddings and cosines', () => {
  it('embed({ normalize: true }) gives unit vectors in the same directions', async () => {
    const enc = await loadEncoder(meanDir);
    const unit = await enc.embed(TEXTS, { normalize: true, batchSize: 2 });
    unit.forEach((e, i) => {
      expect(Math.abs(norm64(e) - 1)).toBeLessThan(1e-6);
      expect(cosineSimilarity(e, want.mean[i]!)).toBeCloseTo(1, 6);
    });
    enc.bert.dispose();
  });

  it('cosineSimilarity and cosineSimilarityMatrix against a float64 computation', () => {
    const a = want.mean;
    const b = [...want.sif, new Float32Array(128)];
    const cos64 = (x: Float32Array, y: Float32Array) => {
      let xy = 0;
      let xx = 0;
      let yy = 0;
      for (let i = 0; i < x.length; i++) {
        xy += x[i]! * y[i]!;
        xx += x[i]! * x[i]!;
        yy += y[i]! * y[i]!;
      }
      return xx && yy ? xy / Math.sqrt(xx) / Math.sqrt(yy) : 0;
    };
    const m = cosineSimilarityMatrix(a, b);
    expect(m.length).toBe(4);
    m.forEach((row, i) => {
      expect(row.length).toBe(5);
      row.forEach((v, j) => {
        expect(Math.abs(v - cos64(a[i]!, b[j]!))).toBeLessThan(1e-12);
        expect(Math.abs(cosineSimilarity(a[i]!, b[j]!) - cos64(a[i]!, b[j]!))).toBeLessThan(1e-12);
      });
    });
    expect(m[0]![4]).toBe(0); // a zero vector scores 0
    expect(cosineSimilarity(a[1]!, a[1]!)).toBeCloseTo(1, 12);
    expect(() => cosineSimilarityMatrix([new Float32Array(3)], [new Float32Array(4)])).toThrow(
      'cosine: dimension mismatch (3 vs 4)',
    );
  });

  it('pnpm encode --normalize prints unit vectors', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'packages/jepa/src/cli/encode.ts', '--model', meanDir, '--normalize'],
      {
        cwd: root,
        input: `${TEXTS.join('\n')}\n`,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => Float32Array.from(JSON.parse(l) as number[]));
    expect(rows.length).toBe(4);
    rows.forEach((e, i) => {
      expect(Math.abs(norm64(e) - 1)).toBeLessThan(1e-6);
      expect(cosineSimilarity(e, want.mean[i]!)).toBeCloseTo(1, 6);
    });
  });
});
