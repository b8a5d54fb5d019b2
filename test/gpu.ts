// Every test file gets the GPU runtime and releases it, so the worker process can exit.
import { afterAll, beforeAll } from 'vitest';
import { init, shutdown } from '@jepa/kernels';

beforeAll(async () => {
  await init();
});
afterAll(async () => {
  await shutdown();
});
