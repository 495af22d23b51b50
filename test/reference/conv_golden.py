"""Golden values for the convolutions our engine runs through oneDNN itself (test/engine/winograd_conv.test.ts,
test/engine/direct_conv.test.ts), computed by PyTorch in float64 (so the reference carries no float32 rounding of its
own), with the gradients of sum(output * upstream). The inputs are rounded to float32 first, as the engine sees them.

A case may set "kernel" (default 3), "stride" (1), "padding" (0) and "bf16": then the input, weight and upstream
gradient are rounded to bfloat16 before the float64 arithmetic, which is what a bfloat16 kernel that accumulates in
float32 multiplies; the bias is not (it stays float32 in the kernel).
Usage: python3 conv_golden.py CASES.json OUT.safetensors"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402


def as_float32(t):
    return t.float().double()


def as_bfloat16(t):
    return t.to(torch.bfloat16).double()


def main(cases_path, out_path):
    gen = torch.Generator().manual_seed(77)
    tensors = {}
    for case in json.load(open(cases_path)):
        n, c, h, w = case["input"]
        k = case.get("kernel", 3)
        operand = as_bfloat16 if case.get("bf16") else (lambda t: t)
        x = as_float32(torch.randn(n, c, h, w, generator=gen, dtype=torch.float64))
        # Weights at the scale of a trained ResNet block (std 0.02 at init, larger later).
        weight = as_float32(torch.randn(case["out"], c, k, k, generator=gen, dtype=torch.float64) * 0.05)
        bias = as_float32(torch.randn(case["out"], generator=gen, dtype=torch.float64) * 0.05) if case["bias"] else None
        xq = operand(x).requires_grad_(True)
        wq = operand(weight).requires_grad_(True)
        bq = bias.clone().requires_grad_(True) if bias is not None else None
        y = F.conv2d(xq, wq, bq, stride=case.get("stride", 1), padding=case.get("padding", 0))
        up = as_float32(torch.randn(y.shape, generator=gen, dtype=torch.float64))
        (y * operand(up)).sum().backward()
        name = case["name"]
        tensors[f"{name}.input"] = x.float()
        tensors[f"{name}.weight"] = weight.float()
        tensors[f"{name}.upstream"] = up.float()
        tensors[f"{name}.output"] = y.detach().float()
        tensors[f"{name}.grad_input"] = xq.grad.float()
        tensors[f"{name}.grad_weight"] = wq.grad.float()
        if bias is not None:
            tensors[f"{name}.bias"] = bias.float()
            tensors[f"{name}.grad_bias"] = bq.grad.float()
    save(out_path, tensors, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
