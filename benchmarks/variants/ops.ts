// Variant tables for the row-wise and fused ops (attention, softmax, layerNorm, crossEntropy,
// vicregStats): every variant on a few shapes through the tensor op (forward, or forward and
// backward where training runs both), median ms, with the adapter's own choice marked.
import {
  CROSS_ENTROPY_VARIANTS,
  LAYER_NORM_VARIANTS,
  SOFTMAX_VARIANTS,
  VICREG_VARIANTS,
  attentionVariant,
  forceVariant,
  runtime,
  type VariantOp,
} from '@jepa/kernels';
import * as T from '@jepa/tensor';
import { fmtNum, table, timeAsync } from '../src/timing.ts';
import { ATTENTION_ALL } from './register.ts';

interface OpCase {
  shape: string;
  /** Builds the inputs once; returns one timed step (which must leave no tensors behind). */
  setup(): { step: () => Promise<void>; dispose: () => void };
}

interface OpVariants {
  op: VariantOp;
  variants: readonly string[];
  cases: OpCase[];
}

const randn = (shape: number[]) => T.randn(shape);

/** Runs `f` in a tidy scope and waits for the device. */
const synced = (f: () => void) => async () => {
  T.tidy(f);
  await runtime().sync();
};

function attentionCase(B: number, H: number, Tn: number, d: number): OpCase {
  return {
    shape: `fwd+bwd ${B}×${H}×${Tn}×${d}`,
    setup() {
      const [q, k, v] = [0, 1, 2].map(() => randn([B, H, Tn, d]).requireGrad());
      const g = randn([B, H, Tn, d]);
      return {
        step: synced(() => {
          T.attention(q, k, v).backward(g);
          for (const t of [q, k, v]) t.zeroGrad();
        }),
        dispose: () => [q, k, v, g].forEach((t) => t.dispose()),
      };
    },
  };
}

function rowCase(
  name: string,
  shape: number[],
  run: (x: T.Tensor) => void,
  extra: () => T.Tensor[] = () => [],
): OpCase {
  return {
    shape: `${name} ${shape.join('×')}`,
    setup() {
      const x = randn(shape).requireGrad();
      const more = extra();
      return {
        step: synced(() => {
          run(x);
          x.zeroGrad();
        }),
        dispose: () => [x, ...more].forEach((t) => t.dispose()),
      };
    },
  };
}

function tables(quick: boolean): OpVariants[] {
  const ln = { w: null as T.Tensor | null, b: null as T.Tensor | null };
  const lnCase = (N: number, D: number) =>
    rowCase(
      'fwd+bwd',
      [N, D],
      (x) => {
        T.layerNorm(x, ln.w!, ln.b!, 1e-12).sum().backward();
      },
      () => {
        ln.w = T.ones([D]);
        ln.b = T.zeros([D]);
        return [ln.w, ln.b];
      },
    );
  const ceT = { t: null as T.Tensor | null };
  const ceCase = (N: number, C: number) =>
    rowCase(
      'fwd+bwd',
      [N, C],
      (x) => {
        T.crossEntropy(x, ceT.t!).backward();
      },
      () => {
        ceT.t = T.tensor(
          Int32Array.from({ length: N }, (_, i) => (i * 7) % C),
          [N],
          'i32',
        );
        return [ceT.t];
      },
    );
  return [
    {
      op: 'attention',
      variants: ATTENTION_ALL,
      cases: quick ? [attentionCase(32, 2, 32, 64)] : [attentionCase(32, 2, 32, 64), attentionCase(8, 12, 128, 64)],
    },
    {
      op: 'softmax',
      variants: SOFTMAX_VARIANTS,
      cases: [
        rowCase('fwd+bwd', [2048, 128], (x) => T.softmax(x, -1).square().sum().backward()),
        rowCase('fwd+bwd', [64, 4096], (x) => T.softmax(x, -1).square().sum().backward()),
      ],
    },
    { op: 'layernorm', variants: LAYER_NORM_VARIANTS, cases: [lnCase(quick ? 1024 : 4096, 768)] },
    { op: 'crossEntropy', variants: CROSS_ENTROPY_VARIANTS, cases: [ceCase(256, 30522), ceCase(4096, 3)] },
    {
      op: 'vicreg',
      variants: VICREG_VARIANTS,
      cases: [
        rowCase('fwd+bwd', [256, 1024], (x) => {
          const { std, cov } = T.vicregStats(x);
          std.add(cov).backward();
        }),
      ],
    },
  ];
}

/** The variant the adapter picks for `op` (the attention chooser is exported; the row ops follow isCpu). */
function chosen(op: VariantOp, shape: string): string {
  if (op === 'attention') return attentionVariant();
  const cpu = runtime().gpu.info.isCpu;
  if (op === 'vicreg') return cpu ? 'cpuBlocks' : 'gpuBlocks';
  if (op === 'crossEntropy') {
    const C = Number(shape.split('×').at(-1));
    return cpu ? 'row' : C >= 2048 ? 'wg256' : C >= 64 ? 'wg32' : 'row';
  }
  if (op === 'softmax') return cpu || Number(shape.split('×').at(-1)) < 256 ? 'row' : 'wg';
  return cpu ? 'row' : 'wg';
}

/** `pnpm bench:variants <op> [--quick]` for the ops above; `only` restricts to one op. */
export async function opTables(only: string | null, quick: boolean): Promise<void> {
  for (const t of tables(quick)) {
    if (only && only !== t.op) continue;
    const rows: (string | number)[][] = [];
    for (const c of t.cases) {
      const row: (string | number)[] = [c.shape];
      for (const v of t.variants) {
        forceVariant(t.op, v);
        let cell = 'n/a';
        try {
          const s = c.setup();
          try {
            const tm = await timeAsync(s.step, {
              warmup: 1,
              reps: quick ? 3 : 5,
              minReps: quick ? 2 : 3,
              budgetMs: quick ? 2000 : 6000,
            });
            cell = fmtNum(tm.median);
          } finally {
            s.dispose();
          }
        } catch (e) {
          cell = `n/a (${(e as Error).message.slice(0, 40)})`;
        } finally {
          forceVariant(t.op, null);
        }
        row.push(cell);
      }
      row.push(chosen(t.op, c.shape));
      rows.push(row);
      process.stdout.write('.');
    }
    process.stdout.write('\n');
    console.log(`${t.op}: median ms per step\n${table(['case', ...t.variants, 'chosen'], rows)}\n`);
  }
}
