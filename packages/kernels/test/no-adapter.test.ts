// The no-adapter error tells a user of the installed packages what to do, not only a checkout's user.
import { describe, expect, it } from 'vitest';
import { NoAdapterError } from '../src/gpu.ts';

describe('NoAdapterError', () => {
  it('names what was tried and both fixes', () => {
    const e = new NoAdapterError('vulkan, any adapter');
    expect(e.name).toBe('NoAdapterError');
    expect(e.message).toMatch(/tried: vulkan, any adapter/);
    expect(e.message).toMatch(/bash scripts\/setup\.sh/);
    expect(e.message).toMatch(/apt-get install -t bookworm-backports mesa-vulkan-drivers/);
  });
});
