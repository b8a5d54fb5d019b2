// Attention 'rowPerThread' forward: one invocation per query row, walking the keys in register
// blocks, no workgroup memory, no barriers; its backward is tiledShared's. All invocations of a
// workgroup share (b, h), so K/V addresses are uniform across it: llvmpipe loads them once and
// broadcasts to its SIMD lanes. Superseded on llvmpipe by subgroupRows (32x2x32x64 fwd 10 ms vs
// 1.6-1.9; 0.7-1 s at 8x12x128x64, and minutes to compile at d = 64) and on GPUs by the tiled forward.
import {
  BIG,
  NEG,
  PARAMS_WGSL,
  PHILOX_WGSL,
  Row,
  attnBindings,
  attnMain,
  causalKeyEnd,
  cfgKey,
  dropWeights,
  kernel,
  keyLoop,
  maskSel,
  rowAt,
  tiledSharedAttention,
  wgFor,
  type AttentionKernels,
  type AttnCfg,
  type Kernel,
} from '@jepa/kernels/variants';

/**
 * Forward: online softmax over blocks of KB keys (one rescale of the accumulator per block).
 * Writes O and the row's logsumexp into stats[bh * Tq + i].
 */
function forward(c: AttnCfg, wg: number, KB = 4): Kernel {
  const key = `attn_rows_fwd|${cfgKey(c)}|wg${wg}|kb${KB}`;
  const r = new Row(c);
  const T = r.T;
  // One online-softmax step over keys j0 .. j0+n-1 (all < Tk: no bounds tests, see keyLoop).
  const step = (ts: number[]) => {
    let block = ts
      .map(
        (t) => `    let j${t} = j0 + ${t}u;
    let kr${t} = kb0 + j${t} * p.v[1].w;
    let s${t} = ${maskSel(
      c,
      t,
      r.dot(
        (i) => `q${i}`,
        (i) => `K[kr${t} + ${i}u]`,
      ),
      NEG,
    )};
`,
      )
      .join('');
    block += `    let mn = max(m, ${ts.map((t) => `s${t}`).reduce((a, s) => `max(${a}, ${s})`)});
    let corr = exp(m - mn);
`;
    for (const t of ts) block += `    let p${t} = ${maskSel(c, t, `exp(s${t} - mn)`, '0.0')};\n`;
    block += `    l = l * corr + ${ts.map((t) => `p${t}`).join(' + ')};\n`;
    if (c.drop) block += dropWeights(ts.length, 'p', 'pd');
    const pd = (t: number) => (c.drop ? `pd${t}` : `p${t}`);
    for (const t of ts) block += `    let vr${t} = vb0 + j${t} * p.v[2].w;\n`;
    block += `${r.each((i) => `  a${i} = a${i} * corr + ${ts.map((t) => `${pd(t)} * V[vr${t} + ${i}u]`).join(' + ')};`)}\n`;
    return `${block}    m = mn;\n`;
  };
  const code = () => {
    return `${c.drop ? PHILOX_WGSL : ''}
${PARAMS_WGSL}
${attnMain(wg, 'i', 'p.Tq')}
  let qr = ${rowAt('q', 'i')};
${r.each((i) => `let q${i} = Q[qr + ${i}u] * p.scale;`)}
${r.each((i) => `var a${i} = ${T}(0.0);`)}
  var m = ${NEG};
  var l = 0.0;
  let kb0 = ${rowAt('k', '0u')};
  let vb0 = ${rowAt('v', '0u')};
  let mb = b * p.Tk;
  let rrow = p.rngOff + (bh * p.Tq + i) * p.Tk4;
  let kend = ${c.causal ? causalKeyEnd('i') : 'p.Tk'};
${keyLoop('kend', KB, step)}
  // A row whose keys are all padded has l == 0: its output is 0 (and its gradients are 0).
  let inv = select(0.0, 1.0 / l, l > 0.0);
  let orow = ${rowAt('o', 'i')};
${r.each((i) => `O[orow + ${i}u] = a${i} * inv;`)}
  stats[bh * p.Tq + i] = select(${BIG}, m + log(l), l > 0.0);
}`;
  };
  return kernel({ name: `attention_rows_fwd_d${c.D}`, key, bindings: attnBindings.forward(c, T), code });
}

export const rowPerThread: AttentionKernels = {
  forward: (c, rows) => {
    const wg = wgFor(rows);
    return { kernel: forward(c, wg), rowsPerGroup: wg, pad: 0 };
  },
  dq: tiledSharedAttention.dq,
  dkv: tiledSharedAttention.dkv,
};
