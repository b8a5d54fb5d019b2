"""Make every Transformer layer of a model dir start as the identity: zero the output dense weight and
bias of each residual branch (attention output, FFN output), in place, so the post-LN layer passes
LN(x) on. Used to start `pnpm train --init DIR` with layers that cannot scramble the word table.
    cp -r INIT_DIR DIR && /usr/bin/python3 lab/experiments/zero-residual.py DIR
(INIT_DIR from lab/experiments/export-init.ts.)"""
import json
import re
import struct
import sys
from pathlib import Path

BRANCH_OUT = re.compile(r"^encoder\.layer\.\d+\.(attention\.output|output)\.dense\.(weight|bias)$")


def main():
    path = Path(sys.argv[1]) / "model.safetensors"
    raw = path.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = bytearray(raw[8 + n:])
    zeroed = []
    for name, t in header.items():
        if name != "__metadata__" and BRANCH_OUT.match(name):
            if t["dtype"] != "F32":
                sys.exit(f"zero-residual: {path}: {name} is {t['dtype']}, expected F32")
            start, end = t["data_offsets"]
            data[start:end] = bytes(end - start)
            zeroed.append(name)
    if not zeroed:
        sys.exit(f"zero-residual: {path}: no encoder.layer.N.(attention.)output.dense tensors")
    path.write_bytes(raw[:8 + n] + bytes(data))
    print(f"zeroed {len(zeroed)} tensors in {path}")


if __name__ == "__main__":
    main()
