// `pnpm browser [--model DIR] [--port N]`: builds the page and serves it with a model directory
// (default runs/default, what plain `pnpm train` writes).
//   /            the page (index.html, dist/)
//   /model/…     the model dir (config.json, model.safetensors, vocab.txt, token_weights.safetensors)
//   /served.json which model dir is served and whether it holds a model (the page says so)
//   /vocab.txt, /data/train_titles.txt   the shipped vocabulary and training pool, for the training demo
//   /data/dev.jsonl                       the AskUbuntu dev queries and candidates, for the reranking panel
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage, buildTests, HERE, ROOT } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css',
};

/** What `pnpm browser` serves without --model: the default run's output. */
export const DEFAULT_MODEL = 'runs/default';

export interface ServeOptions {
  model?: string;
  port?: number;
  host?: string;
}

/** Starts the server; resolves to it and its base URL. */
export async function serve(opts: ServeOptions = {}): Promise<{ server: Server; url: string }> {
  const mounts: [string, string][] = [
    ['/model/', opts.model ? resolve(opts.model) : ''],
    ['/vocab.txt', join(ROOT, 'packages/nn/assets/vocab.txt')],
    ['/data/train_titles.txt', join(ROOT, 'packages/jepa/data/askubuntu-rerank/train_titles.txt')],
    ['/data/dev.jsonl', join(ROOT, 'packages/jepa/data/askubuntu-rerank/dev.jsonl')],
    ['/', HERE],
  ];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/served.json') {
      const body = JSON.stringify(served(opts.model));
      res.writeHead(200, { 'content-type': TYPES['.json']!, 'cache-control': 'no-store' }).end(body);
      return;
    }
    let file: string | null = null;
    for (const [prefix, target] of mounts) {
      if (!target || !(path === prefix || (prefix.endsWith('/') && path.startsWith(prefix)))) continue;
      const rest = prefix.endsWith('/') ? path.slice(prefix.length) : '';
      const f = rest ? normalize(join(target, rest)) : target;
      if (f.startsWith(target)) file = f;
      break;
    }
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(opts.port ?? 8080, host, ok));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${port}/` };
}

/** The model dir as the page names it, and whether a model is there. */
export function served(model: string | undefined): { model: string | null; present: boolean } {
  if (!model) return { model: null, present: false };
  const rel = relative(ROOT, resolve(model));
  return {
    model: rel && !rel.startsWith('..') ? rel : resolve(model),
    present: existsSync(join(model, 'model.safetensors')),
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const model = flag(args, 'model') ?? DEFAULT_MODEL;
  await buildPage();
  await buildTests();
  const { url } = await serve({ model, port: Number(flag(args, 'port') ?? 8080), host: flag(args, 'host') });
  const has = existsSync(join(model, 'model.safetensors'));
  console.log(`serving the page at ${url}`);
  console.log(
    has
      ? `model: ${resolve(model)} (at ${url}model/)`
      : `model: none at ${resolve(model)} — train one (pnpm train --out ${model}) or pass --model DIR`,
  );
  console.log(
    'open it in a browser with WebGPU (Chrome/Edge; Chromium on Linux: --enable-unsafe-webgpu); Ctrl-C stops',
  );
}
