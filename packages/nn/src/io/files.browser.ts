// Browser: the paths of files.ts are URLs (relative to the page), read with fetch.
export const joinPath = (dir: string, name: string): string =>
  dir === '' ? name : `${dir.replace(/\/+$/, '')}/${name}`;

async function get(url: string): Promise<Response> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`fetch ${url}: HTTP ${r.status} ${r.statusText}`);
  return r;
}

export async function readBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await get(url)).arrayBuffer());
}

export async function readText(url: string): Promise<string> {
  return (await get(url)).text();
}

export function readTextSync(url: string): string {
  throw new Error(
    `${url}: no synchronous file reads in a browser (fetch the text and use the *FromText/fromVocabText form)`,
  );
}

export async function fileExists(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { method: 'HEAD' })).ok;
  } catch {
    return false;
  }
}

export const assetPath = (rel: string): string => new URL(rel, import.meta.url).href;
