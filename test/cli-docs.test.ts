// docs/CLI.md's help blocks are each CLI's --help, verbatim (scripts/cli-docs.ts rewrites them).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { CLIS, helpText, renderDoc } from '../scripts/cli-docs.ts';

it('docs/CLI.md holds the current --help of train, eval, encode and bench', () => {
  const doc = readFileSync(new URL('../docs/CLI.md', import.meta.url), 'utf8');
  for (const name of Object.keys(CLIS)) expect(doc).toContain(`<!-- help:${name} -->`);
  expect(renderDoc(doc, helpText)).toBe(doc);
}, 120_000);

it('renderDoc replaces a block and refuses an unknown CLI', () => {
  const doc = '<!-- help:train -->\n```text\nold\n```\n<!-- /help:train -->\n';
  expect(renderDoc(doc, () => 'new\nlines')).toBe(
    '<!-- help:train -->\n```text\nnew\nlines\n```\n<!-- /help:train -->\n',
  );
  expect(() => renderDoc(doc.replaceAll('train', 'nope'), () => '')).toThrow(/unknown CLI, got help:nope/);
});
