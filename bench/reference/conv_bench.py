"""PyTorch side of bench/conv.ts: times F.conv2d forward and forward+backward for one case.

The case comes from bench/conv.ts (same keys); the timing loop is harness.sample, the twin of
bench/timing.ts. Tensors are made once per shape and reused, like ours.
"""
import torch
import torch.nn.functional as F

from harness import sample, serve

_tensors = {}


def tensors(case):
    n, cin, cout = case["batch"], case["inChannels"], case["outChannels"]
    h, w, k, p = case["height"], case["width"], case["kernel"], case["padding"]
    key = (n, cin, cout, h, w, k, p)
    if key not in _tensors:
        x = torch.randn(n, cin, h, w, generator=torch.Generator().manual_seed(1))
        weight = torch.randn(cout, cin, k, k, generator=torch.Generator().manual_seed(2))
        up = torch.randn(n, cout, h + 2 * p - k + 1, w + 2 * p - k + 1, generator=torch.Generator().manual_seed(3))
        for t in (x, weight, up):
            assert t.is_contiguous() and t.dtype == torch.float32, "expected contiguous float32 NCHW"
        _tensors[key] = (x.requires_grad_(), weight.requires_grad_(), up)
    return _tensors[key]


def measure(case, warmup, count):
    torch.set_num_threads(case["threads"])
    x, weight, up = tensors(case)
    padding = case["padding"]
    if case["pass"] == "fwd":
        def forward():
            with torch.no_grad():
                F.conv2d(x, weight, None, 1, padding)

        return sample(forward, warmup, count)

    # Gradients are dropped before each call, untimed, so no call pays for accumulation.
    def reset():
        x.grad = None
        weight.grad = None

    def forward_backward():
        F.conv2d(x, weight, None, 1, padding).backward(up)

    return sample(forward_backward, warmup, count, reset)


if __name__ == "__main__":
    serve(measure)
