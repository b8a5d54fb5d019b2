// Encode two sentences with a (randomly initialised) tiny BERT and print the pooled embeddings' shape.
//   pnpm tsx packages/nn/examples/encode.ts
import { init, manualSeed, noGrad, shutdown, tensor, tidyAsync } from '@jepa/tensor';
import { BertModel, BertTokenizer, pool } from '@jepa/nn';

await init();
manualSeed(0);
const tokenizer = BertTokenizer.default(); // bert-base-uncased vocabulary
const model = new BertModel('tiny').eval(); // 2 layers, hidden 128; or BertModel.fromPretrained(dir)

const sentences = ['The cat sat on the mat.', 'A dog barked at the mailman all afternoon.'];
const batch = tokenizer.encodeBatch(sentences, { maxLength: 32 });
const ids = tensor(batch.ids, [batch.batch, batch.seqLen], 'i32');
const mask = tensor(batch.attentionMask, [batch.batch, batch.seqLen], 'i32');

await tidyAsync(async () => {
  const embeddings = noGrad(() => {
    const { lastHidden } = model.forward(ids, mask);
    return pool(lastHidden, mask, 'mean');
  });
  const values = await embeddings.toArray();
  console.log(`tokens per sentence: ${sentences.map((s) => tokenizer.encode(s).ids.length).join(', ')}`);
  console.log(`pooled embeddings: [${embeddings.shape.join(', ')}]`);
  console.log(`first values: ${Array.from(values.slice(0, 4), (v) => v.toFixed(4)).join(' ')}`);
});

model.dispose();
await shutdown();
