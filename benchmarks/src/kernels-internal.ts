// Matmul internals that @jepa/kernels' index does not export (yet): the variant list, the chooser
// and the register-tile override. Imported by path; Node resolves the workspace symlink to the same
// file, so this shares the runtime singleton with '@jepa/kernels'.
export {
  matmul, chooseMatmul, isCpuAdapter, hasSubgroups8, MATMUL_VARIANTS, REG_CONFIG, SG_CONFIG,
  type MatmulArgs, type MatmulVariant, type MatmulShape,
} from '../../packages/kernels/src/wgsl/matmul.ts';
export type { RegConfig } from '../../packages/kernels/src/wgsl/matmul_reg.ts';
export type { SgConfig } from '../../packages/kernels/src/wgsl/matmul_sg.ts';
