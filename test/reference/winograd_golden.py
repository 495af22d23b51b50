"""Golden values for test/engine/winograd_conv.test.ts: 3x3 convolutions of the shapes our engine runs as Winograd,
computed by PyTorch in float64 (so the reference carries no float32 rounding of its own), with the gradients of
sum(output * upstream). The inputs are rounded to float32 first, as the engine sees them.
Usage: python3 winograd_golden.py CASES.json OUT.safetensors"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402


def main(cases_path, out_path):
    gen = torch.Generator().manual_seed(77)
    tensors = {}
    for case in json.load(open(cases_path)):
        n, c, h, w = case["input"]
        x = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64).float().double().requires_grad_(True)
        # Weights at the scale of a trained ResNet block (std 0.02 at init, larger later).
        weight = (torch.randn(case["out"], c, 3, 3, generator=gen, dtype=torch.float64) * 0.05).float().double().requires_grad_(True)
        bias = (torch.randn(case["out"], generator=gen, dtype=torch.float64) * 0.05).float().double().requires_grad_(True) if case["bias"] else None
        y = F.conv2d(x, weight, bias)
        up = torch.randn(y.shape, generator=gen, dtype=torch.float64).float().double()
        (y * up).sum().backward()
        name = case["name"]
        tensors[f"{name}.input"] = x.detach().float()
        tensors[f"{name}.weight"] = weight.detach().float()
        tensors[f"{name}.upstream"] = up.float()
        tensors[f"{name}.output"] = y.detach().float()
        tensors[f"{name}.grad_input"] = x.grad.float()
        tensors[f"{name}.grad_weight"] = weight.grad.float()
        if bias is not None:
            tensors[f"{name}.bias"] = bias.detach().float()
            tensors[f"{name}.grad_bias"] = bias.grad.float()
    save(out_path, tensors, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
