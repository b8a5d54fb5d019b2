// The README's imports, from a script outside the packages (run: node --import tsx test/readme-imports.ts):
// the root package depends on the workspace packages, so '@jepa/…' resolves here as in a user's project.
import { resolveConfig } from '@jepa/jepa';
import { BertModel, BertTokenizer, pool } from '@jepa/nn';
import { init, shutdown, tensor } from '@jepa/tensor';

await init();
const bert = new BertModel('tiny').eval();
const tok = BertTokenizer.default();
const b = tok.encodeBatch(['how do i mount a usb drive', 'wifi drops after suspend'], { maxLength: 32 });
const ids = tensor(b.ids, [b.batch, b.seqLen], 'i32');
const mask = tensor(Float32Array.from(b.attentionMask), [b.batch, b.seqLen]);
const emb = pool(bert.forward(ids, mask).lastHidden, mask, 'mean');
console.log(`embeddings [${emb.shape.join(', ')}]; default steps ${resolveConfig({}).steps}`);
await shutdown();
