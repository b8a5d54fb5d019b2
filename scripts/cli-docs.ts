// docs/CLI.md holds each CLI's --help verbatim between <!-- help:NAME --> markers; this rewrites
// those blocks from the CLIs themselves (--check: only compare, exit 1 on a difference), so the
// reference cannot drift from the code. Run: node --import tsx scripts/cli-docs.ts [--check]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const DOC = `${root}docs/CLI.md`;
export const CLIS: Record<string, string> = {
  train: 'packages/jepa/src/cli/train.ts',
  eval: 'packages/jepa/src/cli/eval.ts',
  encode: 'packages/jepa/src/cli/encode.ts',
  bench: 'benchmarks/src/main.ts',
};

export function helpText(name: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLIS[name], '--help'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  if (r.status !== 0) throw new Error(`cli-docs: ${CLIS[name]} --help exited ${r.status}: ${r.stderr}`);
  return r.stdout.trimEnd();
}

/** The doc with every help block replaced by the CLI's output. */
export function renderDoc(doc: string, help: (name: string) => string): string {
  return doc.replace(
    /(<!-- help:(\w+) -->\n```text\n)[\s\S]*?(```\n<!-- \/help:\2 -->)/g,
    (_, open: string, name: string, close: string) => {
      if (!(name in CLIS)) throw new Error(`cli-docs: docs/CLI.md names an unknown CLI, got help:${name}`);
      return `${open}${help(name)}\n${close}`;
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const doc = readFileSync(DOC, 'utf8');
  const next = renderDoc(doc, helpText);
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      console.error("docs/CLI.md differs from the CLIs' --help: run node --import tsx scripts/cli-docs.ts");
      process.exit(1);
    }
  } else writeFileSync(DOC, next);
}
