// pnpm train draws report.html again once the baselines are known: they, the recipe the run used
// and what it changed from it are on the page the run leaves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ASKUBUNTU_DEV_PATH, TRAIN_TITLES_PATH } from '../src/data/paths.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jepa-report-cli-'));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pnpm train writes a report with its baselines', () => {
  it('the summary holds the baselines printed on stderr; the config table, the options given', () => {
    const pool = join(dir, 'pool.txt');
    writeFileSync(pool, readFileSync(TRAIN_TITLES_PATH, 'utf8').split('\n').slice(0, 400).join('\n'));
    const dev = join(dir, 'dev.jsonl');
    writeFileSync(dev, `${readFileSync(ASKUBUNTU_DEV_PATH, 'utf8').split('\n').slice(0, 4).join('\n')}\n`);
    const out = join(dir, 'run');
    const args = ['--recipe', 'bert', '--steps', '2', '--batch-size', '8', '--eval-every', '1', '--eval-queries', '2'];
    const r = spawnSync(
      'pnpm',
      ['--silent', 'train', ...args, '--train-file', pool, '--eval-file', dev, '--out', out],
      { cwd: root, encoding: 'utf8', env, timeout: 240_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { baselines: { tfidf: number } };
    expect(JSON.parse(readFileSync(join(out, 'train-cli.json'), 'utf8'))).toEqual({ baselines: true, recipe: 'bert' });

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const tfidf = /<th scope="row">TF-IDF cosine<\/th><td>([\d.]+)<\/td>/.exec(html)?.[1];
    expect(Number(tfidf)).toBeCloseTo(result.baselines.tfidf, 2);
    expect(r.stderr).toMatch(new RegExp(`TF-IDF cosine +${tfidf} `));
    expect(html).toMatch(/<th scope="row">untrained start \(tiny, bert embeddings\)<\/th><td>[\d.]+<\/td>/);
    // Evaluations on 2 queries, then the final one on all 4: two series on the MAP chart.
    expect(html).toContain('>MAP, first 2 dev queries<');
    expect(html).toContain('>MAP, final, whole dev set (4 queries)<');

    const section = html.slice(html.indexOf('<h2>Configuration</h2>'));
    expect(section).toContain('the <code>bert</code> recipe:');
    const options = [...section.matchAll(/<tr><th scope="row"><code>([^<]*)<\/code>/g)].map((m) => m[1]);
    // warmup follows steps (10%): listed, marked as derived.
    expect(options.sort()).toEqual(
      [
        '--batch-size',
        '--eval-every',
        '--eval-file',
        '--eval-queries',
        '--out',
        '--steps',
        '--train-file',
        '--warmup',
      ].sort(),
    );
    expect(section).toMatch(/--warmup<\/code><\/th><td>0 <span class="note">\(follows the options above\)/);
  }, 300_000);
});
