"""How far training moved each word-embedding row from its initialisation, by token frequency.
usage: python3 lab/experiments/weight-drift.py INIT_DIR TRAINED_DIR"""
import json, struct, sys
import numpy as np

def load(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in hdr.items():
        if k == '__metadata__': continue
        a, b = v['data_offsets']
        out[k] = np.frombuffer(data[a:b], dtype=np.float32).reshape(v['shape'])
    return out

i, t = (load(f'{d}/model.safetensors') for d in sys.argv[1:3])
w = load(f'{sys.argv[1]}/token_weights.safetensors')['token_weights']
key = [k for k in i if k.endswith('word_embeddings.weight')][0]
E0, E1 = i[key], t[key]
rel = np.linalg.norm(E1 - E0, axis=1) / np.linalg.norm(E0, axis=1)
cos = (E0 * E1).sum(1) / np.linalg.norm(E0, axis=1) / np.linalg.norm(E1, axis=1)
# SIF weight a/(a+p) -> frequency bands; weight 1.0 = never seen in the pool
bands = [('unseen', w > 0.99999), ('rare (w>0.9)', (w > 0.9) & (w <= 0.99999)), ('mid (0.3<w<=0.9)', (w > 0.3) & (w <= 0.9)), ('frequent (0<w<=0.3)', (w > 0) & (w <= 0.3))]
res = {b: {'rows': int(m.sum()), 'rel_change': round(float(rel[m].mean()), 4), 'cos_to_init': round(float(cos[m].mean()), 4)} for b, m in bands if m.sum()}
other = {k: round(float(np.linalg.norm(t[k] - i[k]) / max(np.linalg.norm(i[k]), 1e-12)), 4) for k in i if k in t and k != key}
print(json.dumps({'word_embeddings': res, 'other_params_rel_change': other}, indent=1))
