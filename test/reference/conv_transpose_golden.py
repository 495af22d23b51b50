"""PyTorch's conv_transpose2d (kernel 3, stride 2, padding 1, output padding 1: the generator's
upsampling) on seeded inputs, with the gradients of sum(out * up): the reference for the engine's
four-phase rewrite. Usage: python3 conv_transpose_golden.py OUT.safetensors"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402

torch.manual_seed(7)
torch.set_num_threads(1)
x = torch.randn(2, 6, 5, 7, dtype=torch.float64).float().requires_grad_()
w = torch.randn(6, 4, 3, 3).requires_grad_()
b = torch.randn(4).requires_grad_()
out = torch.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
up = torch.randn(out.shape)
(out * up).sum().backward()
save(sys.argv[1], {"x": x, "w": w, "b": b, "up": up, "out": out, "grad_x": x.grad, "grad_w": w.grad, "grad_b": b.grad})
