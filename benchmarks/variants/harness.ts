// The variant harness (llm.c's dev/cuda pattern): every kernel design of an op, production and
// superseded, timed side by side on the default adapter; the tables that justify each chooser.
//   pnpm bench:variants [matmul|attention|softmax|layernorm|crossEntropy|vicreg] [--quick] [matmul flags]
// Matmul flags: --sweep [--configs 0,2] (block sweep), --variants a,b, --cases sq512,... (see matmul.ts).
// Wall times on a shared machine: run under `flock /tmp/heavy.lock` and quote the load.
import { init, runtime, shutdown } from '@jepa/kernels';
import { matmulHarness } from './matmul.ts';
import { opTables } from './ops.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const op = args[0] && !args[0].startsWith('--') ? args[0] : null;
  await init();
  const rt = runtime();
  console.log(
    `adapter: ${rt.gpu.info.adapter} (${rt.gpu.info.backend}; isCpu ${rt.gpu.info.isCpu}, subgroupSize ${rt.gpu.info.subgroupSize ?? 'none'})`,
  );
  try {
    if (!op || op === 'matmul') await matmulHarness(args);
    if (op !== 'matmul') await opTables(op, args.includes('--quick'));
  } finally {
    await shutdown();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
