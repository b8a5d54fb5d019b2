// The README's `import … from '@jepa/nn'` works from a script in the repository, outside the packages.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

it('a script at the repository root imports @jepa/jepa, @jepa/nn and @jepa/tensor', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/readme-imports.ts'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' },
  });
  expect(r.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND/);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toBe('embeddings [2, 128]; default steps 2000\n'); // the default recipe's
}, 150_000);
