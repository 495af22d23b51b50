"""Golden values for the engine's op tests: for each case in op_cases.json, the inputs, the output
and the gradient of sum(output * upstream) with respect to every input, computed by PyTorch.
Usage: python3 op_goldens.py OUT.safetensors"""
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402

OPS = {
    "neg": lambda a, x: -x[0],
    "abs": lambda a, x: x[0].abs(),
    "sqrt": lambda a, x: x[0].sqrt(),
    "rsqrt": lambda a, x: x[0].rsqrt(),
    "square": lambda a, x: x[0].square(),
    "exp": lambda a, x: x[0].exp(),
    "log": lambda a, x: x[0].log(),
    "relu": lambda a, x: F.relu(x[0]),
    "tanh": lambda a, x: torch.tanh(x[0]),
    "sigmoid": lambda a, x: torch.sigmoid(x[0]),
    "leaky_relu": lambda a, x: F.leaky_relu(x[0], a["slope"]),
    "clamp": lambda a, x: x[0].clamp(a["min"], a["max"]),
    "add": lambda a, x: x[0] + x[1],
    "sub": lambda a, x: x[0] - x[1],
    "mul": lambda a, x: x[0] * x[1],
    "div": lambda a, x: x[0] / x[1],
    "pow": lambda a, x: x[0] ** x[1],
    "maximum": lambda a, x: torch.maximum(x[0], x[1]),
    "minimum": lambda a, x: torch.minimum(x[0], x[1]),
    "add_scalar": lambda a, x: x[0] + a["s"],
    "sub_scalar": lambda a, x: x[0] - a["s"],
    "rsub_scalar": lambda a, x: a["s"] - x[0],
    "mul_scalar": lambda a, x: x[0] * a["s"],
    "div_scalar": lambda a, x: x[0] / a["s"],
    "pow_scalar": lambda a, x: x[0] ** a["s"],
    "sum_all": lambda a, x: x[0].sum(),
    "sum_dims": lambda a, x: x[0].sum(a["dims"], keepdim=a["keepdim"]),
    "mean_all": lambda a, x: x[0].mean(),
    "mean_dims": lambda a, x: x[0].mean(a["dims"], keepdim=a["keepdim"]),
    "max_all": lambda a, x: x[0].amax(),
    "conv2d": lambda a, x: F.conv2d(x[0], x[1], x[2], stride=a["stride"], padding=a["padding"]),
    "conv2d_nobias": lambda a, x: F.conv2d(x[0], x[1], None, stride=a["stride"], padding=a["padding"]),
    "conv_transpose2d": lambda a, x: F.conv_transpose2d(x[0], x[1], x[2], stride=a["stride"], padding=a["padding"], output_padding=a["output_padding"]),
    "instance_norm": lambda a, x: F.instance_norm(x[0]),
    "instance_norm_affine": lambda a, x: F.instance_norm(x[0], weight=x[1], bias=x[2]),
    "reflection_pad": lambda a, x: F.pad(x[0], [a["pad"]] * 4, mode="reflect"),
    "zero_pad": lambda a, x: F.pad(x[0], [a["pad"]] * 4),
    "mse_loss": lambda a, x: F.mse_loss(x[0], x[1]),
    "mse_loss_label": lambda a, x: F.mse_loss(x[0], torch.full_like(x[0], a["s"])),
    "l1_loss": lambda a, x: F.l1_loss(x[0], x[1]),
    "cat": lambda a, x: torch.cat(x, a["dim"]),
    "stack": lambda a, x: torch.stack(x, a["dim"]),
    "slice": lambda a, x: x[0][:, a["start"] : a["end"] : a["step"]],  # the cases slice dim 1
    "reshape": lambda a, x: x[0].reshape(a["shape"]),
    "permute": lambda a, x: x[0].permute(a["dims"]),
    "transpose": lambda a, x: x[0].transpose(a["dim0"], a["dim1"]),
    "flip": lambda a, x: x[0].flip(a["dims"]),
    "channels_last": lambda a, x: x[0].contiguous(memory_format=torch.channels_last) * 2,
    "bfloat16_roundtrip": lambda a, x: x[0].to(torch.bfloat16).to(torch.float32),
    "max_pool2d": lambda a, x: F.max_pool2d(x[0], a["kernel"], a["stride"], a["padding"]),
    "avg_pool2d": lambda a, x: F.avg_pool2d(x[0], a["kernel"], a["stride"], a["padding"], count_include_pad=a["count_include_pad"]),
    "matmul": lambda a, x: x[0] @ x[1],
}


def main(out_path):
    torch.set_num_threads(1)
    cases = json.load(open(os.path.join(os.path.dirname(__file__), "op_cases.json")))
    gen = torch.Generator().manual_seed(1234)
    tensors = {}
    for case in cases:
        args = case.get("args", {})
        xs = []
        for i, shape in enumerate(case["inputs"]):
            x = torch.randn(shape, generator=gen, dtype=torch.float64).float()
            if case.get("positive"):
                x = x.abs() + 0.1
            xs.append(x.requires_grad_(True))
            tensors[f"{case['name']}.input{i}"] = x
        y = OPS[case["op"]](args, xs)
        up = torch.randn(y.shape, generator=gen, dtype=torch.float64).float()
        (y * up).sum().backward()
        tensors[f"{case['name']}.output"] = y
        tensors[f"{case['name']}.upstream"] = up
        for i, x in enumerate(xs):
            tensors[f"{case['name']}.grad{i}"] = x.grad if x.grad is not None else torch.zeros_like(x)
    save(out_path, tensors, {"torch": torch.__version__})


if __name__ == "__main__":
    main(sys.argv[1])
