# PyTorch twin of transformer.test.ts: nn.MultiheadAttention / nn.TransformerEncoderLayer
# (batch_first, float64, dropout 0) loaded with the test's weights by name; prints the output and
# the gradients of sum(out * u) with respect to the inputs and every parameter, as JSON.
import json, sys
import torch

case = json.load(open(sys.argv[1]))
torch.manual_seed(0)
dt = torch.float64
t = lambda name: torch.tensor(case['tensors'][name]['data'], dtype=dt).reshape(case['tensors'][name]['shape'])
E, H = case['E'], case['H']
if case['kind'] == 'mha':
    m = torch.nn.MultiheadAttention(E, H, dropout=0.0, batch_first=True).to(dt)
else:
    m = torch.nn.TransformerEncoderLayer(E, H, dim_feedforward=case['F'], dropout=0.0, activation=case['activation'],
                                         layer_norm_eps=case['eps'], batch_first=True, norm_first=case['normFirst']).to(dt)
m.load_state_dict({k: t(k) for k in m.state_dict().keys()})
m.train()  # keeps PyTorch off its fused inference fast path
q = t('q').requires_grad_(True)
kv = t('kv').requires_grad_(True) if 'kv' in case['tensors'] else q
mask = t('mask') if 'mask' in case['tensors'] else None
kpm = (mask == 0) if mask is not None else None
T, S = q.shape[1], kv.shape[1]
am = None
if case.get('causal'):
    i = torch.arange(T)[:, None]; j = torch.arange(S)[None, :]
    am = j > i + (S - T)  # True = not allowed
if case['kind'] == 'mha':
    out = m(q, kv, kv, key_padding_mask=kpm, attn_mask=am, need_weights=False)[0]
else:
    out = m(q, src_mask=am, src_key_padding_mask=kpm)
(out * t('u')).sum().backward()
res = {'out': out.detach().flatten().tolist(), 'q': q.grad.flatten().tolist()}
if kv is not q:
    res['kv'] = kv.grad.flatten().tolist()
for n, p in m.named_parameters():
    res[n] = p.grad.flatten().tolist()
print(json.dumps(res))
