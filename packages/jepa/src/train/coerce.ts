// Option values from the command line (strings) or JSON, checked and converted by kind.
import { closest } from './did-you-mean.ts';
import type { OptionKind } from './options.ts';

export class ConfigError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'ConfigError';
  }
}

/** `v` (a string from the command line, or a JSON value) as `kind`; errors start with `label`. */
export function coerceOption(label: string, kind: OptionKind, v: unknown): unknown {
  const bad = (what: string, hint = '') =>
    new ConfigError(`${label}: expected ${what}, got ${JSON.stringify(v)}${hint}`);
  if (Array.isArray(kind)) {
    if (typeof v === 'string' && kind.includes(v)) return v;
    const near = typeof v === 'string' ? closest(v, kind) : null;
    throw bad(`one of ${kind.join('|')}`, near ? ` (did you mean "${near}"?)` : '');
  }
  const num = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? Number(x) : x);
  switch (kind) {
    case 'int':
    case 'pos': {
      const n = num(v);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < (kind === 'pos' ? 1 : 0))
        throw bad(kind === 'pos' ? 'a positive integer' : 'a non-negative integer');
      return n;
    }
    case 'num':
    case 'num?': {
      if (kind === 'num?' && (v === null || v === 'null' || v === undefined)) return null;
      const n = num(v);
      if (typeof n !== 'number' || !Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case 'bool':
      if (v === true || v === 'true' || v === '1' || v === '') return true;
      if (v === false || v === 'false' || v === '0') return false;
      throw bad('true or false');
    case 'str':
      if (typeof v !== 'string' || !v) throw bad('a non-empty string');
      return v;
    case 'str?':
      if (v === null || v === undefined || v === '') return null;
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'ints': {
      const list = typeof v === 'string' ? v.split(/[,x]/).filter(Boolean).map(Number) : v;
      if (!Array.isArray(list) || !list.every((x) => Number.isInteger(x) && x > 0))
        throw bad('a list of positive integers like 512,512,512');
      return list;
    }
    case 'words': {
      const list = typeof v === 'string' ? v.split(',').map((w) => w.trim()) : v;
      if (!Array.isArray(list) || list.length === 0 || !list.every((w) => typeof w === 'string' && w !== ''))
        throw bad('a comma-separated list of words like crop,synonym');
      return list;
    }
  }
  throw new ConfigError(`${label}: unknown option kind ${JSON.stringify(kind)}`);
}
