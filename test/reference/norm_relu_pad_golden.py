"""Golden values for the engine's fused instance norm + ReLU + reflection pad (test/engine/fused_norm.test.ts):
reflection_pad2d(relu?(instance_norm(x))) and the gradient of sum(output * upstream) with respect to x, computed
by PyTorch in float64 from float32-rounded inputs; and the same for reflection padding alone.
Usage: python3 norm_relu_pad_golden.py OUT.safetensors"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402

# (name, shape, relu, pad, offset): odd sizes leave vector tails; the offset checks statistics whose mean dwarfs
# the spread; pad 3 on a 5-wide plane reaches nearly across it. The "wide" cases have a full block of sixteen
# channels and a narrower last one for the channels-last loops; norm=False is reflection padding alone.
CASES = [
    ("plain", (2, 3, 9, 11), False, 0, 0.0),
    ("relu", (1, 4, 8, 8), True, 0, 0.0),
    ("relu_pad1", (2, 3, 9, 7), True, 1, 0.0),
    ("pad1", (1, 2, 6, 10), False, 1, 0.0),
    ("relu_pad3", (1, 3, 5, 6), True, 3, 0.0),
    ("relu_pad1_offset", (1, 2, 12, 16), True, 1, 40.0),
    ("wide_relu_pad1", (2, 20, 7, 9), True, 1, 0.0),
    ("wide_pad3_offset", (1, 33, 6, 5), False, 3, 40.0),
    ("wide_plain", (1, 16, 4, 8), False, 0, 0.0),
]
PAD_CASES = [
    ("pad_only_2", (2, 20, 6, 7), 2),
    ("pad_only_1", (1, 3, 4, 5), 1),
]

gen = torch.Generator().manual_seed(11)
out = {}


def record(name, x, y):
    """Stores x, y and the gradient of sum(y * upstream) with respect to x, for a random upstream."""
    upstream = torch.randn(*y.shape, generator=gen).float().double()
    (y * upstream).sum().backward()
    out[f"{name}.x"] = x.detach().float()
    out[f"{name}.upstream"] = upstream.float()
    out[f"{name}.out"] = y.detach()
    out[f"{name}.grad"] = x.grad


for name, shape, relu, pad, offset in CASES:
    x = (torch.randn(*shape, generator=gen) * 3 + offset).float().double().requires_grad_(True)
    y = F.instance_norm(x, eps=1e-5)
    if relu:
        y = F.relu(y)
    if pad:
        y = F.pad(y, (pad, pad, pad, pad), mode="reflect")
    record(name, x, y)
for name, shape, pad in PAD_CASES:
    x = torch.randn(*shape, generator=gen).float().double().requires_grad_(True)
    record(name, x, F.pad(x, (pad, pad, pad, pad), mode="reflect"))
save(sys.argv[1], out)
