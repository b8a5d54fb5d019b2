// The language views of `--views`: the shipped WordNet relations (shape, size, every word a lowercase
// whole BERT token), each transformation on fixed sentences with a seeded Rng (real outputs; rate 0
// the identity), the per-sentence draw (a function of the Rng; plain crop draw for draw as before),
// and the options' checks, a bad kind named with a did-you-mean.
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BertTokenizer, MASK_TOKEN } from '@jepa/nn';
import { parseOptions } from '../src/cli/args.ts';
import { TRAIN_CLI_OPTIONS } from '../src/cli/train-options.ts';
import { WORDNET_RELATIONS_PATH } from '../src/data/paths.ts';
import { loadRelations } from '../src/data/wordnet.ts';
import { resolveConfig, unusedOptions } from '../src/train/config.ts';
import { Rng } from '../src/util/rng.ts';
import { VIEW_KINDS } from '../src/views/kinds.ts';
import { makeMixedViews } from '../src/views/mixed.ts';
import { maskWords, noiseWords, pickCandidates, swapWords } from '../src/views/transforms.ts';
import { makeViews, splitWords } from '../src/views/wordcrop.ts';
import { parseRelations, RELATION_KINDS } from '../src/views/wordnet.ts';

const relations = loadRelations();
const S = 'How do I make the old laptop start fast?';

describe('the shipped WordNet relations (data/wordnet/relations.tsv)', () => {
  it('is small, and every word in it is lowercase and one whole token of the BERT vocabulary', () => {
    expect(statSync(WORDNET_RELATIONS_PATH).size).toBeLessThan(1 << 20);
    const bert = BertTokenizer.default();
    const lines = readFileSync(WORDNET_RELATIONS_PATH, 'utf8').split('\n').filter(Boolean);
    expect(lines[0]).toBe(`# word\t${RELATION_KINDS.join('\t')}`);
    expect(lines.length).toBeGreaterThan(2000);
    for (const line of lines.slice(1)) {
      const f = line.split('\t');
      expect(f).toHaveLength(5);
      const words = [f[0], ...f.slice(1).flatMap((l) => (l ? l.split(',') : []))];
      for (const w of words) {
        expect(w, line).toMatch(/^[a-z]+$/);
        expect(bert.tokenize(w), line).toEqual([w]);
      }
      expect(
        f.slice(1).some((l) => l !== ''),
        line,
      ).toBe(true);
      expect(
        f.slice(1).flatMap((l) => l.split(',')),
        line,
      ).not.toContain(f[0]);
    }
  });

  it("holds WordNet's relations for the pool's words", () => {
    expect(relations.synonym.get('big')).toContain('large');
    expect(relations.antonym.get('fast')).toEqual(['slow']);
    expect(relations.antonym.get('old')).toEqual(['new']);
    expect(relations.hypernym.get('computer')).toContain('machine');
    expect(relations.hyponym.get('computer')).toContain('server');
    expect(relations.synonym.has('can')).toBe(false); // a function word, not swapped
  });

  it('a malformed line is an error naming where', () => {
    expect(parseRelations('# header\nbig\tlarge\t\t\tlittle\n').antonym.get('big')).toEqual(['little']);
    expect(() => parseRelations('# h\nbig\tlarge\n', 'r.tsv')).toThrow(
      'r.tsv:2: expected 5 tab-separated fields, got 2',
    );
  });
});

describe('the transformations', () => {
  it('a swap replaces words by a word of the relation, drawn with the Rng', () => {
    expect(swapWords(S, relations, 'synonym', 0.15, Rng.fromSeed(1))).toBe(
      'How do I make the old laptop beginning fast?',
    );
    expect(swapWords(S, relations, 'hypernym', 0.15, Rng.fromSeed(1))).toBe(
      'How do I make the past laptop start fast?',
    );
    expect(swapWords(S, relations, 'hyponym', 0.15, Rng.fromSeed(1))).toBe('How do I get the old laptop start fast?');
    expect(swapWords(S, relations, 'antonym', 0.15, Rng.fromSeed(1))).toBe('How do I make the new laptop start fast?');
    // Rate 1: every word with a synonym is swapped, each for one of its synonyms (punctuation kept).
    const all = splitWords(swapWords(S, relations, 'synonym', 1, Rng.fromSeed(5))!);
    splitWords(S).forEach((w, i) => {
      const core = w.replace(/\?$/, '').toLowerCase();
      const syn = relations.synonym.get(core);
      if (syn) expect(syn).toContain(all[i].replace(/\?$/, ''));
      else expect(all[i]).toBe(w);
    });
    expect(all.at(-1)).toMatch(/\?$/);
  });

  it('a swap with no word to change is null; rate 0 is the identity', () => {
    expect(swapWords('Ubuntu 12.04 wifi', relations, 'antonym', 0.5, Rng.fromSeed(1))).toBeNull();
    for (const k of RELATION_KINDS) expect(swapWords(S, relations, k, 0, Rng.fromSeed(1))).toBe(S);
    expect(maskWords(S, 0, Rng.fromSeed(1))).toBe(S);
    expect(noiseWords(S, 0, Rng.fromSeed(1))).toBe(S);
    expect(pickCandidates(5, 0, Rng.fromSeed(1))).toEqual([]);
  });

  it('mask replaces words by [MASK]; at least one while rate > 0', () => {
    expect(maskWords(S, 0.15, Rng.fromSeed(1))).toBe(`How do I make the old laptop start ${MASK_TOKEN}`);
    expect(maskWords('hello', 0.01, Rng.fromSeed(1))).toBe(MASK_TOKEN);
    expect(maskWords(S, 1, Rng.fromSeed(1))).toBe(Array(9).fill(MASK_TOKEN).join(' '));
  });

  it("noise is TSDAE's word deletion then a swap of neighbours", () => {
    expect(noiseWords(S, 0.15, Rng.fromSeed(1))).toBe('how do i make the old laptop start ? fast');
    const out = splitWords(noiseWords(S, 0.6, Rng.fromSeed(3)));
    expect(out.length).toBeLessThan(10);
    expect(out.every((w) => 'how do i make the old laptop start fast ?'.split(' ').includes(w))).toBe(true);
  });
});

describe('the views of a batch (--views)', () => {
  const batch = [S, 'Ubuntu 12.04 wifi', 'sound stops working after update', 'big files copy slow'];
  const opts = (seed: number, kinds: (typeof VIEW_KINDS)[number][]) => ({
    rng: Rng.fromSeed(seed),
    kinds,
    rate: 0.15,
    relations,
    cropRest: true,
  });

  it('crop alone is the crop views of before, draw for draw', () => {
    const v = makeMixedViews(batch, opts(9, ['crop']));
    expect({ a: v.a, b: v.b }).toEqual(makeViews(batch, { rng: Rng.fromSeed(9), cropRest: true }));
    expect([...v.labels]).toEqual([0, 0, 0, 0]);
  });

  it('draws a kind per sentence from the step Rng: the same seed, the same views and labels', () => {
    const kinds = [...VIEW_KINDS];
    const v = makeMixedViews(batch, opts(3, kinds));
    expect(makeMixedViews(batch, opts(3, kinds))).toEqual(v);
    expect(makeMixedViews(batch, opts(4, kinds))).not.toEqual(v);
    const seen = new Set<number>();
    for (let s = 0; s < 50; s++) for (const l of makeMixedViews(batch, opts(s, kinds)).labels) seen.add(l);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a transformation pairs the sentence with its transformed self; a swap with nothing to swap is a crop', () => {
    const v = makeMixedViews(batch, opts(1, ['antonym']));
    expect(v.a[0]).toBe(S);
    expect(v.b[0]).toBe('How do I make the new laptop start fast?');
    expect(VIEW_KINDS[v.labels[0]]).toBe('antonym');
    expect(VIEW_KINDS[v.labels[1]]).toBe('crop'); // "Ubuntu 12.04 wifi": no antonym
    expect(v.a[1]).not.toBe(batch[1]); // the crop against the rest
    expect(VIEW_KINDS[v.labels[3]]).toBe('antonym');
    expect(v.b[3]).toMatch(/^(little|small) files copy slow$|^big files copy fast$/);
  });

  it('swaps without relations are an error', () => {
    expect(() => makeMixedViews(batch, { ...opts(1, ['synonym']), relations: undefined })).toThrow(
      'makeMixedViews: views synonym swap words, but no relations were given',
    );
  });
});

describe('the views options', () => {
  it('--views takes a comma list; an unknown kind is named with a did-you-mean', () => {
    const parsed = parseOptions('train', ['--views', 'crop,synonym,hypernym'], TRAIN_CLI_OPTIONS);
    expect(resolveConfig(parsed).views).toEqual(['crop', 'synonym', 'hypernym']);
    expect(resolveConfig().views).toEqual(['crop']);
    expect(() => resolveConfig({ views: 'crop,synonim' })).toThrow(
      'config "views": unknown view "synonim" (did you mean "synonym"?); known: crop, synonym, hypernym, hyponym, antonym, mask, noise',
    );
    expect(() => resolveConfig({ views: 'crop,,mask' })).toThrow('config "views": expected a comma-separated list');
    expect(() => resolveConfig({ viewRate: 1.5 })).toThrow('config "viewRate": must be in [0, 1], got 1.5');
  });

  it('language views join objective jepa only; --aux transform needs two kinds', () => {
    expect(() => resolveConfig({ objective: 'jepa-ema', views: 'crop,mask' })).toThrow(
      'config "views": views other than crop are made by objective jepa only, got objective "jepa-ema"',
    );
    expect(() => resolveConfig({ aux: 'transform' })).toThrow(
      'config "aux": transform predicts which --views kind made the second view, so it needs at least two kinds, got views "crop"',
    );
    expect(() => resolveConfig({ objective: 'mlm', aux: 'transform', views: 'crop,mask' })).toThrow(
      /views other than crop are made by objective jepa only/,
    );
    expect(resolveConfig({ aux: 'transform', views: 'crop,mask' }).aux).toBe('transform');
  });

  it('are named as unused where they do nothing', () => {
    const unused = (c: Record<string, unknown>) => unusedOptions(resolveConfig(c), Object.keys(c));
    expect(unused({ viewRate: 0.3 })).toEqual(['--view-rate has no effect without --views other than crop']);
    expect(unused({ objective: 'mlm', views: 'crop' })).toEqual(['--views has no effect with --objective mlm']);
    expect(unused({ views: 'crop,noise', viewRate: 0.3, aux: 'transform', auxWeight: 2 })).toEqual([]);
  });
});
