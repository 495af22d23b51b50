"""torch.optim.Adam on a tiny problem and on one long parameter, for the engine's Adam test.
Usage: python3 adam_golden.py OUT.safetensors"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402

gen = torch.Generator().manual_seed(7)
w0 = torch.randn(3, 4, generator=gen)
b0 = torch.randn(3, generator=gen)
x = torch.randn(5, 4, generator=gen)
w, b = w0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
opt = torch.optim.Adam([w, b], lr=0.01, betas=(0.5, 0.999), weight_decay=0.1)
out = {"w0": w0, "b0": b0, "x": x}
for step in range(6):
    opt.zero_grad()
    loss = ((x @ w.t() + b).tanh() ** 2).mean()
    loss.backward()
    opt.step()
    out[f"w{step + 1}"] = w.detach().clone()
    out[f"b{step + 1}"] = b.detach().clone()
    out[f"loss{step + 1}"] = loss.detach().reshape(1)

# A long parameter without weight decay: the addon's fused step splits it over threads in 16K-element
# chunks, and an odd length leaves a tail after the vector loop.
p0 = torch.randn(70001, generator=gen)
target = torch.randn(70001, generator=gen)
scale = torch.rand(70001, generator=gen) * 3
p = p0.clone().requires_grad_(True)
opt = torch.optim.Adam([p], lr=0.02, betas=(0.5, 0.999))
out["p0"], out["target"], out["scale"] = p0, target, scale
for step in range(3):
    opt.zero_grad()
    ((p - target) ** 2 * scale).sum().backward()
    opt.step()
    out[f"p{step + 1}"] = p.detach().clone()
save(sys.argv[1], out)
