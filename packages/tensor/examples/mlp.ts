// README example: a 2-layer MLP's forward and backward on the GPU, printing gradients.
import { init, linear, randn, shutdown, tensor, tidyAsync } from '@jepa/tensor';

export async function main(): Promise<number[]> {
  await init();
  const w1 = randn([16, 4], 0, 0.5).requireGrad(),
    w2 = randn([1, 16], 0, 0.5).requireGrad();
  const x = tensor([
    [1, 2, 3, 4],
    [0, -1, 0.5, 2],
  ]);
  const grads = await tidyAsync(async () => {
    const loss = linear(linear(x, w1).relu(), w2).square().mean();
    loss.backward();
    console.log('loss', await loss.item());
    return Array.from(await w2.grad!.toArray());
  });
  console.log('dL/dw2', grads.map((g) => g.toFixed(4)).join(' '));
  return grads;
}

if (import.meta.url === `file://${process.argv[1]}`) await main().finally(shutdown);
