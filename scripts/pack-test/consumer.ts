// Type-checked with `tsc --noEmit` in the fresh project against the installed packages' .d.ts: every
// package's public types resolve and are real types (the @ts-expect-error lines must stay errors).
import { runtime, type Kernel, type GpuInfo } from '@jepa/kernels';
import { type Tensor, linear, randn, tensor, tidy, type Shape } from '@jepa/tensor';
import { AdamW, BertModel, BertTokenizer, Linear } from '@jepa/nn';
import { loadEncoder, resolveConfig, train, type TrainConfig, type TrainSummary } from '@jepa/jepa';

export const kernel: Kernel = { name: 'noop', key: 'noop', access: ['rw'], uniform: false, code: () => '' };
export const adapterName = (i: GpuInfo): string => i.adapter;
export const device = (): GPUDevice => runtime().device;

export function forward(x: Tensor, w: Tensor): Shape {
  return tidy(() => linear(x, w).relu().shape);
}
export const x: Tensor = tensor([[1, 2, 3, 4]]);
export const w: Tensor = randn([8, 4], 0, 0.1).requireGrad();
// @ts-expect-error: a shape is a list of numbers
export const badShape: Shape = ['2', '3'];

export function model(): { bert: BertModel; head: Linear; opt: AdamW; ids: number } {
  const bert = new BertModel('tiny');
  const head = new Linear(128, 2);
  const opt = new AdamW([...bert.parameters(), ...head.parameters()], { lr: 1e-4 });
  const ids = BertTokenizer.default().encode('hello world').ids.length;
  return { bert, head, opt, ids };
}

export const cfg: TrainConfig = resolveConfig({ steps: 2, pooling: 'sif' });
// @ts-expect-error: a preset is one of the named sizes
export const preset: TrainConfig['preset'] = 'huge';

export async function trainAndEmbed(): Promise<number> {
  const run: TrainSummary = await train(cfg, { quiet: true });
  const enc = await loadEncoder(run.out);
  const emb: Float32Array[] = await enc.embed(['how do i mount a usb drive']);
  return emb[0].length;
}
