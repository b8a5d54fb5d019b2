// Paths of the data files shipped inside this package (packages/jepa/data/), resolved from this
// module's URL so they work from any working directory and never touch /work/shared at run time.
import { fileURLToPath } from 'node:url';

const dataFile = (rel: string): string => fileURLToPath(new URL(`../../data/${rel}`, import.meta.url));

/** packages/jepa/data/ */
export const DATA_DIR = dataFile('');
/** Unsupervised training pool: 34022 AskUbuntu titles, one per line. */
export const TRAIN_TITLES_PATH = dataFile('askubuntu-rerank/train_titles.txt');
/** AskUbuntu reranking dev set, MTEB JSONL layout (710 queries). */
export const ASKUBUNTU_DEV_PATH = dataFile('askubuntu-rerank/dev.jsonl');
/** Labelled AskUbuntu duplicate pairs (4816, `title1 \t title2`) that reach no dev or held-out title. */
export const ASKUBUNTU_PAIRS_PATH = dataFile('askubuntu-pairs/train-pairs.tsv');
/** STS Benchmark dev split (1500 pairs), tab-separated. */
export const STSB_DEV_PATH = dataFile('stsb/sts-dev.csv');
/** WordNet 3.0 relations of the pool's words (synonyms, hypernyms, hyponyms, antonyms), for --views. */
export const WORDNET_RELATIONS_PATH = dataFile('wordnet/relations.tsv');
