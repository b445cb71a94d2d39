"""Converts WordLlama's bundled model into the int8 file Not Better embeds.

Reproduce (PyPI is the only network this needs):

    pip download wordllama==0.4.0.post1 --no-deps -d /tmp/wl
    unzip /tmp/wl/wordllama-*.whl -d /tmp/wl/x
    pip install numpy safetensors
    python convert.py /tmp/wl/x/wordllama

It writes `wordllama-l2-supercat-256.q8` and copies the tokenizer to `tokenizer.json`.
Format (little-endian): b"NBEMB1\\0\\0", u32 rows, u32 dims, rows f32 scales, rows*dims i8.
Row r of the embedding is scale[r] * q[r, :]; each row is quantised on its own (max |x| to 127).
"""

import shutil
import struct
import sys
from pathlib import Path

import numpy as np
from safetensors import safe_open

src = Path(sys.argv[1])
here = Path(__file__).parent
with safe_open(str(src / "weights" / "l2_supercat_256.safetensors"), framework="np") as f:
    emb = f.get_tensor("embedding.weight").astype(np.float32)
rows, dims = emb.shape
scale = np.abs(emb).max(axis=1) / 127.0
scale[scale == 0] = 1.0
q = np.clip(np.round(emb / scale[:, None]), -127, 127).astype(np.int8)
with open(here / "wordllama-l2-supercat-256.q8", "wb") as out:
    out.write(b"NBEMB1\0\0")
    out.write(struct.pack("<II", rows, dims))
    out.write(scale.astype("<f4").tobytes())
    out.write(q.tobytes())
shutil.copy(src / "tokenizers" / "l2_supercat_tokenizer_config.json", here / "tokenizer.json")
print(f"{rows} x {dims}")
