// Checks the four tarballs as a user gets them, from inside a fresh npm project (argv[2]) where
// run.sh installed them: manifests, resolution to dist/, a browser bundle, the shipped .d.ts under
// tsc, the README's code blocks under tsc --checkJs and plain node, then kernel.mjs, the examples
// and the jepa-* CLIs under plain `node` (no pnpm, tsx or TypeScript at run time).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [app, repo] = process.argv.slice(2, 4);
const exampleSources = process.argv.slice(4); // the repository's examples/*.ts, copied in as they are
const PACKAGES = ['kernels', 'tensor', 'nn', 'jepa'];
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  console.log(`ok  ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

/** Run a command in the app; fail with its output when it exits non-zero. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: app,
    env: opts.env ?? env,
    input: opts.input,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const shown = `${cmd} ${args.join(' ')}`;
  assert.equal(
    r.status,
    opts.status ?? 0,
    `${shown}: exit ${r.status} ${r.signal ?? ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
  );
  return r.stdout;
}

/** Every path a manifest field points at (exports/imports conditions, main, types, bin). */
function targets(v) {
  if (typeof v === 'string') return [v];
  if (v && typeof v === 'object') return Object.values(v).flatMap(targets);
  return [];
}

await step('manifests: versions, licence, no workspace: ranges, every target shipped', () => {
  for (const p of PACKAGES) {
    const dir = join(app, 'node_modules', '@jepa', p);
    const m = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    assert.match(m.version, /^\d+\.\d+\.\d+/, `@jepa/${p}: version`);
    assert.ok(m.license, `@jepa/${p}: licence field`);
    assert.ok(existsSync(join(dir, 'LICENSE')), `@jepa/${p}: LICENSE file`);
    assert.equal(m.private, undefined, `@jepa/${p}: private`);
    for (const [dep, range] of Object.entries(m.dependencies ?? {})) {
      assert.ok(!String(range).startsWith('workspace:'), `@jepa/${p}: dependency ${dep} still ${range}`);
    }
    const fields = [m.exports, m.imports, m.main, m.types, m.bin];
    for (const t of fields.flatMap(targets)) {
      assert.ok(
        !t.endsWith('.ts') || t.endsWith('.d.ts'),
        `@jepa/${p}: ${t} is TypeScript source (plain node cannot load it)`,
      );
      assert.ok(existsSync(join(dir, t)), `@jepa/${p}: ${t} is named in package.json but not in the tarball`);
    }
    assert.ok(!existsSync(join(dir, 'test')), `@jepa/${p}: tests shipped`);
  }
  assert.ok(existsSync(join(app, 'node_modules/@jepa/nn/assets/vocab.txt')), '@jepa/nn: assets/vocab.txt missing');
  assert.ok(
    existsSync(join(app, 'node_modules/@jepa/jepa/data/askubuntu-rerank/dev.jsonl')),
    '@jepa/jepa: data/ missing',
  );
});

await step('each package resolves to its compiled dist/index.js and imports under plain node', () => {
  const code = `for (const p of ${JSON.stringify(PACKAGES)}) { const m = await import('@jepa/' + p);
    console.log(import.meta.resolve('@jepa/' + p), Object.keys(m).length); }`;
  const lines = run('node', ['--input-type=module', '-e', code]).trim().split('\n');
  assert.equal(lines.length, PACKAGES.length);
  lines.forEach((l, i) => {
    const [url, n] = l.split(' ');
    assert.ok(
      url.endsWith(`/node_modules/@jepa/${PACKAGES[i]}/dist/index.js`),
      `@jepa/${PACKAGES[i]} resolved to ${url}`,
    );
    assert.ok(Number(n) > 5, `@jepa/${PACKAGES[i]}: ${n} exports`);
  });
});

// A user's bundler (here the repository's esbuild) follows the tarballs' `browser` conditions.
await step('browser bundle of the installed packages: dist/ browser entries, no Node built-ins, no Dawn', async () => {
  const { build } = await import(join(repo, 'node_modules/esbuild/lib/main.js'));
  const bundle = await build({
    stdin: { contents: PACKAGES.map((p) => `export * as ${p} from '@jepa/${p}';`).join('\n'), resolveDir: app },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(bundle.metafile.inputs);
  assert.deepEqual(
    inputs.filter((p) => p.startsWith('node:') || /node_modules\/webgpu\//.test(p) || p.endsWith('.ts')),
    [],
  );
  for (const f of [
    'kernels/dist/dawn.browser.js',
    'nn/dist/io/files.browser.js',
    'nn/dist/core.js',
    'jepa/dist/core.js',
  ]) {
    assert.ok(
      inputs.some((p) => p.endsWith(`node_modules/@jepa/${f}`)),
      `${f} not in the bundle`,
    );
  }
});

// TypeScript 5 and 7, each with and without the DOM lib: TS 7's DOM lib declares WebGPU itself (it
// clashed with @webgpu/types), and without DOM there is no WebGPU type at all (see pack-all.sh).
for (const [name, dir] of [
  ['5', 'typescript'],
  ['7', 'typescript7'],
]) {
  const version = JSON.parse(readFileSync(join(app, 'node_modules', dir, 'package.json'), 'utf8')).version;
  assert.ok(version.startsWith(`${name}.`), `node_modules/${dir} is TypeScript ${version}, expected ${name}.x`);
  for (const lib of [['ES2022', 'DOM'], ['ES2022']]) {
    await step(
      `tsc ${version} --noEmit, lib ${lib.join('+')}: the examples and consumer.ts against the shipped .d.ts (no skipLibCheck)`,
      () => {
        const config = `tsconfig.${lib.length === 2 ? 'dom' : 'nodom'}.json`;
        writeFileSync(join(app, config), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { lib } }));
        run('node', [join(app, 'node_modules', dir, 'bin/tsc'), '--noEmit', '-p', config]);
      },
    );
  }
}

// The README's ```js blocks, as printed, in files of the user's project: checked by both compilers
// (allowJs + checkJs: names, arity and types the JS passes, as an editor would) and run below.
const readmeBlocks = [...readFileSync(join(repo, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map(
  (m) => m[1],
);
assert.equal(readmeBlocks.length, 4, 'README.md: expected its four ```js blocks');
readmeBlocks.forEach((code, i) => writeFileSync(join(app, `readme-${i + 1}.mjs`), code));
writeFileSync(
  join(app, 'tsconfig.readme.json'),
  JSON.stringify({
    extends: './tsconfig.json',
    compilerOptions: { allowJs: true, checkJs: true, strict: false, noEmit: true },
    include: ['readme-*.mjs'],
  }),
);
for (const dir of ['typescript', 'typescript7']) {
  await step(`tsc (${dir}) --noEmit --checkJs: the README's blocks against the shipped .d.ts`, () => {
    run('node', [join(app, 'node_modules', dir, 'bin/tsc'), '-p', 'tsconfig.readme.json']);
  });
}
await step("the README's blocks run as printed under plain node, without a leak warning", () => {
  const expect = [
    /^loss \d+\.\d{4} dL\/dw2 (-?\d+\.\d{3} ){15}-?\d+\.\d{3}$/m,
    /^reloaded, same outputs: true$/m,
    /^\[ 2, 128 \]$/m,
    /^128 dims$/m,
  ];
  readmeBlocks.forEach((_, i) => {
    const cwd = join(app, `readme-${i + 1}`);
    mkdirSync(cwd, { recursive: true });
    const r = spawnSync('node', [join(app, `readme-${i + 1}.mjs`)], { cwd, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `README block ${i + 1}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, expect[i], `README block ${i + 1}\n${r.stdout}`);
    assert.doesNotMatch(r.stdout + r.stderr, /garbage-collected without dispose/, `README block ${i + 1}\n${r.stderr}`);
  });
});

// The examples are TypeScript; a user's build turns them into JS (types only stripped, no checks:
// tsc just checked them) and node runs the JS.
await step('examples compiled to plain JS', () => {
  mkdirSync(join(app, 'out'), { recursive: true });
  const names = exampleSources.map((f) => f.split('/').pop());
  const code = `import ts from 'typescript'; import { readFileSync, writeFileSync } from 'node:fs';
    for (const f of ${JSON.stringify(names)}) writeFileSync('out/' + f.replace(/\\.ts$/, '.js'), ts.transpileModule(readFileSync(f, 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);`;
  run('node', ['--input-type=module', '-e', code]);
});

await step('@jepa/kernels alone (kernel.mjs): fill, then a user WGSL kernel, read back', () => {
  const out = run('node', ['kernel.mjs']);
  const [x0, x999] = (/^x\[0\] (\S+) x\[999\] (\S+)$/m.exec(out) ?? []).slice(1).map(Number);
  assert.equal(x0, 1, out);
  assert.equal(x999, (1 + 0.5 * 999) ** 2, out);
});

await step('examples/mlp.ts (tensor MLP): loss and dL/dw2', () => {
  const out = run('node', ['out/mlp.js']);
  assert.ok(Number.isFinite(Number(/^loss (\S+)/m.exec(out)?.[1])), out);
  const grads = /^dL\/dw2 (.*)$/m.exec(out)?.[1].split(' ').map(Number) ?? [];
  assert.equal(grads.length, 16, out);
  assert.ok(grads.every(Number.isFinite) && grads.some((g) => g !== 0), out);
});

await step('examples/encode.ts (BERT encode): tiny BERT, shipped vocab', () => {
  const out = run('node', ['out/encode.js']);
  assert.match(out, /tokens per sentence: 9, 12/);
  assert.match(out, /pooled embeddings: \[2, 128\]/);
});

await step(
  'docs/OWN-MODEL.md examples under plain node: an MLP with fields trains, saves, reloads identically; a small Transformer',
  () => {
    for (const f of ['own-mlp.mjs', 'own-transformer.mjs']) {
      const r = spawnSync('node', [f], { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `${f}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /reloaded: identical outputs/, `${f}\n${r.stdout}`);
      assert.doesNotMatch(r.stdout + r.stderr, /garbage-collected without dispose/, `${f}\n${r.stderr}`);
    }
  },
);

// os.tmpdir() follows TMPDIR: the example's model dir lands where the CLI checks below find it.
const tmp = join(app, 'tmp');
let cosUsb = NaN;
await step('examples/train-and-embed.ts (train 3 steps, reload, embed)', () => {
  mkdirSync(tmp, { recursive: true });
  const out = run('node', ['out/train-and-embed.js', '3'], { env: { ...env, TMPDIR: tmp } });
  const map = Number(/trained 3 steps in \d+ s; dev MAP ([\d.]+)/.exec(out)?.[1]);
  assert.ok(map > 15 && map < 60, out);
  assert.match(out, /4 embeddings of size 128 \(sif pooling\)/);
  const rows = out
    .trim()
    .split('\n')
    .slice(-4)
    .map((l) =>
      l
        .trim()
        .split(/\s{2,}/)
        .slice(1)
        .map(Number),
    );
  rows.forEach((r, i) => {
    assert.equal(r.length, 4, out);
    assert.equal(r[i], 1, out);
    r.forEach((v, j) => assert.ok(Math.abs(v - rows[j][i]) < 0.011, `cosine table not symmetric at ${i},${j}\n${out}`));
  });
  cosUsb = rows[0][1];
});
const modelDir = () => {
  const d = readdirSync(tmp).find((n) => n.startsWith('jepa-example-'));
  assert.ok(d, `no jepa-example-* model dir in ${tmp}`);
  return join(tmp, d);
};

const bin = (name) => join(app, 'node_modules/.bin', name);
await step('CLIs: jepa-train, jepa-eval, jepa-encode --help', () => {
  assert.match(run(bin('jepa-train'), ['--help']), /^usage: jepa-train [\s\S]*--steps N /); // the default changes with the recipe
  assert.match(run(bin('jepa-eval'), ['--help']), /^usage: jepa-eval --model DIR\|tfidf\|random\|random-init/);
  assert.match(run(bin('jepa-encode'), ['--help']), /^usage: jepa-encode --model DIR/);
});

await step('jepa-encode: the trained model embeds stdin lines, as the library did', () => {
  const out = run(bin('jepa-encode'), ['--model', modelDir()], {
    input: 'how do i mount a usb drive\nusb stick not mounting\n',
  });
  const [a, b] = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(a.length, 128);
  assert.equal(b.length, 128);
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < 128; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  assert.ok(
    Math.abs(d / Math.sqrt(na * nb) - cosUsb) < 0.006,
    `CLI cosine ${d / Math.sqrt(na * nb)} vs the example's ${cosUsb}`,
  );
});

// A 20-query slice of the shipped dev set keeps the CLI's own evaluations short.
const dev = readFileSync(join(app, 'node_modules/@jepa/jepa/data/askubuntu-rerank/dev.jsonl'), 'utf8')
  .split('\n')
  .slice(0, 20);
writeFileSync(join(app, 'dev20.jsonl'), `${dev.join('\n')}\n`);
let trained = {};
await step('jepa-train: 2 steps, evaluated on dev20.jsonl, writes a model dir', () => {
  const out = run(bin('jepa-train'), [
    '--steps',
    '2',
    '--batch-size',
    '8',
    '--eval-every',
    '0',
    '--eval-file',
    'dev20.jsonl',
    '--out',
    'run',
  ]);
  trained = JSON.parse(out.trim().split('\n').pop());
  assert.equal(trained.steps, 2, out);
  assert.ok(trained.map > 0 && trained.map <= 100, out);
  for (const f of ['model.safetensors', 'config.json', 'vocab.txt', 'metrics.jsonl', 'report.html']) {
    assert.ok(existsSync(join(app, 'run', f)), `run/${f} missing`);
  }
});

await step(
  'jepa-eval: TF-IDF on the shipped dev set; the jepa-train model on dev20.jsonl as training scored it',
  () => {
    const tfidf = JSON.parse(
      run(bin('jepa-eval'), ['--model', 'tfidf', '--task', 'askubuntu']).trim().split('\n').pop(),
    );
    assert.equal(tfidf.queries, 710);
    assert.ok(tfidf.map > 25 && tfidf.map < 40, JSON.stringify(tfidf)); // README: 30.67
    const m = JSON.parse(run(bin('jepa-eval'), ['--model', 'run', '--file', 'dev20.jsonl']).trim().split('\n').pop());
    assert.equal(m.queries, 20);
    assert.ok(Math.abs(m.map - trained.map) < 0.01, `jepa-eval MAP ${m.map} vs jepa-train's ${trained.map}`);
  },
);
