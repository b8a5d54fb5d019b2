// Reverse-mode autograd: each op records a node with its inputs and a backward closure (defined
// beside its forward, once per op); backward() walks the tape in reverse topological order.
import { keep, tidy } from './scope.ts';
import { fmt, sameShape } from './shape.ts';
import type { Tensor } from './tensor.ts';

export interface GradNode {
  op: string;
  inputs: readonly Tensor[];
  backward: (g: Tensor) => readonly (Tensor | null | undefined)[];
  /** Tensors the backward reads and nothing else owns: disposed when the node is released. */
  saved: readonly Tensor[];
}

export interface RecordOptions {
  /** Owned by the node (null entries are skipped); disposed right away when no node is recorded. */
  saved?: readonly (Tensor | null | undefined)[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run fn without recording a tape. */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/**
 * Attach a backward rule to `out` when any input needs a gradient. The tensors in `opts.saved` belong
 * to the node: they are disposed after its backward runs, or at once when no node is recorded.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: readonly Tensor[],
  backward: GradNode['backward'],
  opts: RecordOptions = {},
): Tensor {
  const saved = (opts.saved ?? []).filter((t): t is Tensor => !!t);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward, saved };
  } else {
    // Without a tape nothing reads them again (the queue orders the reuse of their buffers).
    for (const t of saved) t.dispose();
  }
  return out;
}

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !seen.has(c)) {
        seen.add(c);
        stack.push([c, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Accumulate d(root)/d(leaf) into every leaf's .grad. The tape is freed afterwards. */
export function backward(root: Tensor, grad?: Tensor): void {
  root.assertAlive('backward');
  if (!root.requiresGrad) throw new Error('backward: the tensor does not require grad (no input had requiresGrad)');
  if (!grad && root.size !== 1) {
    throw new Error(`backward: called on a non-scalar of shape ${fmt(root.shape)} without a gradient`);
  }
  const order = topoOrder(root);
  tidy(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, grad ? grad.alias() : root.onesLike());
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.node;
      if (!node) {
        // A leaf: accumulate into .grad, outside every scope.
        const acc = t.grad ? t.grad.add(g) : g.contiguous();
        t.grad?.dispose();
        t.grad = keep(acc);
        continue;
      }
      const gs = noGradCall(() => node.backward(g));
      node.inputs.forEach((inp, i) => {
        const gi = gs[i];
        if (!gi || !inp.requiresGrad) return;
        if (!sameShape(gi.shape, inp.shape)) {
          throw new Error(
            `backward of ${node.op}: gradient for input ${i} has shape ${fmt(gi.shape)}, expected ${fmt(inp.shape)}`,
          );
        }
        const prev = grads.get(inp);
        grads.set(inp, prev ? prev.add(gi) : gi.alias());
      });
      t.node = null; // free the tape as we go
      for (const s of node.saved) s.dispose();
    }
  });
}

function noGradCall<T>(fn: () => T): T {
  return noGrad(fn);
}
