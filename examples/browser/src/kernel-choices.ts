// Which kernel variants this adapter runs: one small training step of the whole stack (BERT forward
// and backward with attention, layer norm, GELU, matmuls of several shapes, pooling, the VICReg loss,
// cross-entropy, AdamW), with every dispatched kernel's name recorded. Run in Node (Dawn) and in the
// browser by the same code, so the two lists compare directly.
import { runtime, type DispatchArgs } from '@jepa/kernels';
import { AdamW, BertModel, Expander, bertConfig, pool } from '@jepa/nn';
import { crossEntropy, init, manualSeed, randn, tensor, tidy } from '@jepa/tensor';
import { vicregLoss } from '@jepa/jepa';

export interface KernelChoices {
  adapter: string;
  /** Sorted distinct kernel names (each name carries its variant, e.g. matmul_v3, softmax_row). */
  kernels: string[];
}

export async function kernelChoices(): Promise<KernelChoices> {
  await init();
  const rt = runtime();
  const names = new Set<string>();
  const dispatch = rt.dispatch.bind(rt);
  rt.dispatch = (a: DispatchArgs) => {
    names.add(a.kernel.name);
    dispatch(a);
  };
  try {
    manualSeed(3);
    const bert = new BertModel(bertConfig('tiny', { vocab_size: 512 }));
    const expander = new Expander([128, 256, 256]);
    const opt = new AdamW([bert, expander], { lr: 1e-3, maxGradNorm: 1 });
    const B = 8,
      T = 16;
    const ids = tensor(
      Int32Array.from({ length: B * T }, (_, i) => (i * 37) % 512),
      [B, T],
      'i32',
    );
    const mask = tensor(
      Float32Array.from({ length: B * T }, (_, i) => (i % T < T - (i % 3) ? 1 : 0)),
      [B, T],
    );
    const logits = randn([B, 30]).requireGrad();
    const loss = tidy(() => {
      const h = bert.forward(ids, mask).lastHidden;
      const za = expander.forward(pool(h, mask, 'mean'));
      const zb = expander.forward(pool(h, mask, 'cls'));
      const ce = crossEntropy(
        logits,
        tensor(
          Int32Array.from({ length: B }, (_, i) => i % 30),
          [B],
          'i32',
        ),
      );
      const l = vicregLoss(za, zb).loss.add(ce);
      l.backward();
      opt.step();
      opt.zeroGrad();
      return l;
    });
    await loss.item();
    loss.dispose();
    logits.grad?.dispose();
    logits.dispose();
    ids.dispose();
    mask.dispose();
    opt.dispose();
    bert.dispose();
    expander.dispose();
  } finally {
    rt.dispatch = dispatch;
  }
  return { adapter: rt.gpu.info.adapter, kernels: [...names].sort() };
}
