// Line reading shared by all loaders: tolerant of CRLF and a UTF-8 BOM, skips blank lines but
// keeps the 1-based physical line number of each kept line so errors can name `file:line`.
import { readFileSync } from 'node:fs';

export interface Lines {
  /** Non-blank lines, without their line terminator. */
  lines: string[];
  /** 1-based physical line number of each entry of `lines`. */
  lineNumbers: number[];
  /** How many blank (empty or whitespace-only) lines were skipped. */
  skipped: number;
}

/** Split text into lines (LF or CRLF), dropping blank ones. */
export function splitLines(text: string): Lines {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const raw = text.split('\n');
  // A trailing newline yields one empty final element; that is not a skipped blank line.
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const lines: string[] = [];
  const lineNumbers: number[] = [];
  let skipped = 0;
  raw.forEach((line, i) => {
    const l = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (l.trim() === '') {
      skipped++;
      return;
    }
    lines.push(l);
    lineNumbers.push(i + 1);
  });
  return { lines, lineNumbers, skipped };
}

/** Read a UTF-8 text file as non-blank lines (see `splitLines`); a file that cannot be read is an
 *  error naming it and why in words, not a bare "ENOENT: … open". */
export function readLines(path: string): Lines {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'a directory, expected a file'
          : err.code === 'EACCES'
            ? 'permission denied'
            : err.message;
    throw new Error(`${path}: cannot read (${why})`);
  }
  return splitLines(text);
}
