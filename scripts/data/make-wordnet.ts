// Makes packages/jepa/data/wordnet/relations.tsv from Princeton WordNet 3.0 (Debian's wordnet-base,
// /usr/share/wordnet): for each word of the training pool, its synonyms, hypernyms, hyponyms and
// antonyms, for the `--views` swaps. Both sides are limited to lowercase alphabetic words that occur
// in the pool and are whole tokens of the BERT vocabulary, so a swap changes one token into a word
// the model sees in training, and function words are left out. Only each word's first SENSES senses per part of speech (WordNet's
// index lists them by tagged frequency) are used: the rare senses make most of the noise ("window"
// -> "windowpane" is sense 2; sense 8 of "boot" is a kick). Run:
//   node --import tsx scripts/data/make-wordnet.ts [WORDNET_DIR]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BertTokenizer, basicTokenize } from '@jepa/nn';

const root = fileURLToPath(new URL('../../', import.meta.url));
const WN = process.argv[2] ?? '/usr/share/wordnet';
const POOL = `${root}packages/jepa/data/askubuntu-rerank/train_titles.txt`;
const OUT = `${root}packages/jepa/data/wordnet/relations.tsv`;
const SENSES = 2;
// Function words (NLTK's English stop list): WordNet has noun senses for many ("i" iodine, "can" a
// tin, "will" a testament) whose swaps would be noise, not a word's relation.
const STOP = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
  herself it its itself they them their theirs themselves what which who whom this that these those am is
  are was were be been being have has had having do does did doing a an the and but if or because as until
  while of at by for with about against between into through during before after above below to from up
  down in out on off over under again further then once here there when where why how all any both each few
  more most other some such no nor not only own same so than too very s t can will just don should now d ll
  m o re ve y ain`.split(/\s+/),
);
const POS = ['noun', 'verb', 'adj', 'adv'] as const;
const KINDS = ['synonym', 'hypernym', 'hyponym', 'antonym'] as const;
type Kind = (typeof KINDS)[number];

interface Synset {
  words: string[];
  /** [pointer symbol, target synset key, source word index (0: the whole synset), target word index]. */
  ptrs: [string, string, number, number][];
}

const PTR_POS: Record<string, string> = { n: 'noun', v: 'verb', a: 'adj', s: 'adj', r: 'adv' };

// data.<pos>: `offset lex_filenum ss_type w_cnt(hex) {word lex_id} p_cnt {ptr offset pos src/tgt(hex)} ... | gloss`
function readData(pos: string): Map<string, Synset> {
  const out = new Map<string, Synset>();
  for (const line of readFileSync(`${WN}/data.${pos}`, 'utf8').split('\n')) {
    if (!line || line.startsWith('  ')) continue; // the licence header lines start with two spaces
    const f = line.split(' | ')[0].split(' ');
    const wCnt = Number.parseInt(f[3], 16);
    // Adjective lemmas may carry a syntactic marker: "pretty(a)".
    const words = Array.from({ length: wCnt }, (_, i) => f[4 + 2 * i].replace(/\(.*\)$/, ''));
    let k = 4 + 2 * wCnt;
    const pCnt = Number(f[k++]);
    const ptrs: Synset['ptrs'] = [];
    for (let i = 0; i < pCnt; i++, k += 4) {
      const st = f[k + 3];
      ptrs.push([
        f[k],
        `${PTR_POS[f[k + 2]]}:${f[k + 1]}`,
        Number.parseInt(st.slice(0, 2), 16),
        Number.parseInt(st.slice(2), 16),
      ]);
    }
    out.set(`${pos}:${f[0]}`, { words, ptrs });
  }
  return out;
}

// index.<pos>: `lemma pos synset_cnt p_cnt {ptr} sense_cnt tagsense_cnt {offset}`, offsets by frequency.
function readIndex(pos: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(`${WN}/index.${pos}`, 'utf8').split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    const f = line.trim().split(' ');
    const nSyn = Number(f[2]);
    out.set(
      f[0],
      f.slice(f.length - nSyn).map((o) => `${pos}:${o}`),
    );
  }
  return out;
}

const bert = BertTokenizer.default();
const poolWords = new Set<string>();
for (const line of readFileSync(POOL, 'utf8').split('\n'))
  for (const w of basicTokenize(line)) if (/^[a-z]+$/.test(w)) poolWords.add(w);
const ok = (w: string) => poolWords.has(w) && /^[a-z]+$/.test(w) && !STOP.has(w) && bert.hasToken(w);
const vocab = [...poolWords].filter(ok).sort();
console.log(
  `pool: ${poolWords.size} alphabetic words, ${vocab.length} of them whole BERT tokens and not function words`,
);

const synsets = new Map<string, Synset>();
const index = new Map<string, Map<string, string[]>>();
for (const pos of POS) {
  for (const [k, v] of readData(pos)) synsets.set(k, v);
  index.set(pos, readIndex(pos));
}

const rel = new Map<string, Record<Kind, Set<string>>>();
for (const w of vocab) {
  const r: Record<Kind, Set<string>> = {
    synonym: new Set(),
    hypernym: new Set(),
    hyponym: new Set(),
    antonym: new Set(),
  };
  for (const pos of POS) {
    for (const key of (index.get(pos)!.get(w) ?? []).slice(0, SENSES)) {
      const s = synsets.get(key)!;
      const me = s.words.findIndex((x) => x.toLowerCase() === w) + 1;
      for (const x of s.words) r.synonym.add(x);
      for (const [sym, target, src, tgt] of s.ptrs) {
        const t = synsets.get(target)!;
        if (sym === '@') for (const x of t.words) r.hypernym.add(x);
        else if (sym === '~') for (const x of t.words) r.hyponym.add(x);
        else if (sym === '!' && src === me) r.antonym.add(t.words[tgt - 1]);
      }
    }
  }
  // Exact lemmas only: a capitalised lemma is a proper noun ("Java" the island), not a word swap.
  for (const k of KINDS) for (const x of [...r[k]]) if (x === w || !ok(x)) r[k].delete(x);
  if (KINDS.some((k) => r[k].size > 0)) rel.set(w, r);
}

const header = `# word\t${KINDS.join('\t')}\n`;
const body = [...rel].map(([w, r]) => `${w}\t${KINDS.map((k) => [...r[k]].sort().join(',')).join('\t')}\n`).join('');
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, header + body);
const counts = KINDS.map((k) => `${[...rel.values()].filter((r) => r[k].size > 0).length} with ${k}s`).join(', ');
console.log(`wrote ${OUT}: ${rel.size} words (${counts}), ${Buffer.byteLength(header + body)} bytes`);
