// Node: model files from the file system. The package's `#files` import maps a browser build to
// files.browser.ts, which reads the same paths as URLs over HTTP; everything else works on the
// bytes and strings these return.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const joinPath = (dir: string, name: string): string => join(dir, name);

export async function readBytes(path: string): Promise<Uint8Array> {
  return readFile(path);
}

export async function readText(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export function readTextSync(path: string): string {
  return readFileSync(path, 'utf8');
}

export async function fileExists(path: string): Promise<boolean> {
  return existsSync(path);
}

/** A file shipped with the package (`rel` relative to src/io/). */
export const assetPath = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
