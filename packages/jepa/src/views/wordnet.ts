// Word relations from WordNet 3.0 for the `--views` swaps: per word, its synonyms, hypernyms,
// hyponyms and antonyms (data/wordnet/relations.tsv, made by scripts/data/make-wordnet.ts). Parsed
// from text here so a browser can pass the file's contents; data/wordnet.ts reads it in Node.

export const RELATION_KINDS = ['synonym', 'hypernym', 'hyponym', 'antonym'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** For each relation, a lowercase word -> its related words (never empty lists). */
export type Relations = Readonly<Record<RelationKind, ReadonlyMap<string, readonly string[]>>>;

/** Parse `word \t synonyms \t hypernyms \t hyponyms \t antonyms` lines (lists comma-separated; `#` lines are comments). */
export function parseRelations(text: string, from = 'relations'): Relations {
  const out = Object.fromEntries(RELATION_KINDS.map((k) => [k, new Map<string, string[]>()])) as Record<
    RelationKind,
    Map<string, string[]>
  >;
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const f = line.split('\t');
    if (f.length !== 1 + RELATION_KINDS.length)
      throw new Error(`${from}:${i + 1}: expected ${1 + RELATION_KINDS.length} tab-separated fields, got ${f.length}`);
    RELATION_KINDS.forEach((k, j) => {
      const related = f[j + 1].split(',').filter((w) => w !== '');
      if (related.length) out[k].set(f[0], related);
    });
  });
  return out;
}
