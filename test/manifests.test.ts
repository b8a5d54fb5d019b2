// The packed manifests mirror the workspace ones: the workspace resolves each package to its
// sources (exports/imports → ./src/*.ts, run by tsx and vitest), and `pnpm pack` swaps in
// publishConfig, which must offer the same entry points and conditions compiled (./dist/*.js) with
// their types. Fast guard for `pnpm test:pack`, which checks the real tarballs.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['kernels', 'tensor', 'nn', 'jepa'];

type Target = string | { [condition: string]: Target };
interface Manifest {
  name: string;
  version?: string;
  license?: string;
  private?: boolean;
  files?: string[];
  exports?: Record<string, Target>;
  imports?: Record<string, Target>;
  dependencies?: Record<string, string>;
  publishConfig?: { exports?: Record<string, Target>; imports?: Record<string, Target>; bin?: Record<string, string> };
}

/** condition path ('browser.default', …) → target, for a nested conditions object. */
function flatten(t: Target, prefix = ''): Map<string, string> {
  if (typeof t === 'string') return new Map([[prefix || 'default', t]]);
  const out = new Map<string, string>();
  for (const [c, v] of Object.entries(t)) for (const [k, s] of flatten(v, prefix ? `${prefix}.${c}` : c)) out.set(k, s);
  return out;
}

const compiled = (src: string): string => src.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');

describe.each(PACKAGES)('packages/%s/package.json', (p) => {
  const dir = `${root}packages/${p}/`;
  const m = JSON.parse(readFileSync(`${dir}package.json`, 'utf8')) as Manifest;

  it('is publishable: version, licence, not private, files include dist', () => {
    expect(m.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.license).toBeTruthy();
    expect(m.private).toBeUndefined();
    expect(m.files).toContain('dist');
    for (const dep of Object.keys(m.dependencies ?? {}).filter((d) => d.startsWith('@jepa/'))) {
      expect(m.dependencies![dep], `${dep} is a workspace package`).toBe('workspace:*');
    }
  });

  for (const field of ['exports', 'imports'] as const) {
    it(`publishConfig.${field} compiles every ${field} entry and condition`, () => {
      const src = m[field] ?? {};
      const pub = m.publishConfig?.[field] ?? {};
      expect(
        Object.keys(pub)
          .filter((k) => k !== './package.json')
          .sort(),
        `${field} keys`,
      ).toEqual(Object.keys(src).sort());
      for (const [key, target] of Object.entries(src)) {
        const want = flatten(target);
        const got = flatten(pub[key]);
        for (const [cond, file] of want) {
          expect(existsSync(dir + file), `${field}["${key}"] ${cond}: ${file} missing`).toBe(true);
          // `default` in the workspace is `import` (or `default`) in the tarball; other conditions keep their name.
          const shipped =
            cond === 'default'
              ? (got.get('import') ?? got.get('default'))
              : (got.get(cond) ?? got.get(`${cond}.default`) ?? got.get(`${cond}.import`));
          expect(shipped, `publishConfig.${field}["${key}"] needs "${cond}": "${compiled(file)}"`).toBe(compiled(file));
        }
        expect(
          [...got.keys()].some((c) => c === 'types' || c.endsWith('.types')),
          `publishConfig.${field}["${key}"] has no "types"`,
        ).toBe(true);
        for (const [cond, file] of got) {
          const source = file.endsWith('.d.ts')
            ? file.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts')
            : file.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
          expect(
            existsSync(dir + source),
            `publishConfig.${field}["${key}"] ${cond}: ${file} has no source ${source}`,
          ).toBe(true);
        }
      }
    });
  }

  it('bin entries point at committed wrappers that import compiled CLIs', () => {
    for (const [name, file] of Object.entries(m.publishConfig?.bin ?? {})) {
      const text = readFileSync(dir + file, 'utf8');
      expect(text.startsWith('#!/usr/bin/env node\n'), `${name}: shebang`).toBe(true);
      const target = /import '\.\.\/(dist\/cli\/[\w-]+)\.js'/.exec(text)?.[1];
      expect(target, `${name}: imports ../dist/cli/*.js`).toBeTruthy();
      expect(existsSync(`${dir}${target!.replace(/^dist/, 'src')}.ts`), `${name}: ${target}.js has no source`).toBe(
        true,
      );
    }
  });
});
