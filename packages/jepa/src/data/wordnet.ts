// The shipped WordNet relations (data/wordnet/relations.tsv; licence in data/wordnet/LICENSE.txt).
import { readFileSync } from 'node:fs';
import { parseRelations, type Relations } from '../views/wordnet.ts';
import { WORDNET_RELATIONS_PATH } from './paths.ts';

export function loadRelations(path: string = WORDNET_RELATIONS_PATH): Relations {
  return parseRelations(readFileSync(path, 'utf8'), path);
}
