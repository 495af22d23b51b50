"""PyTorch side of bench/features.ts: the same Keras InceptionV3 (nsfwjs's weights, converted by our side to
safetensors with the layer list as JSON), built from torch.nn.functional ops with each batch norm folded into
its convolution (as our side does and as a converted model would), up to mixed10. Outputs the 2048-d pool
and 768-d mixed5 features of the input batch, so both sides are compared before any timing.
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "reference"))
from safetensors_io import load, save  # noqa: E402

from harness import sample, serve  # noqa: E402

_state = {}


def same_padding(size, kernel, stride):
    total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class KerasInception(torch.nn.Module):
    def __init__(self, layers, weights):
        super().__init__()
        self.layers = {l["name"]: l for l in layers}
        self.order = [l["name"] for l in layers]
        consumers = {}
        for l in layers:
            for i in l["inputs"]:
                consumers[i] = consumers.get(i, 0) + 1
        self.convs = {}
        self.skip = set()
        for l in layers:
            if l["className"] != "Conv2D":
                continue
            name = l["name"]
            w = weights[name + "/kernel"].permute(3, 2, 0, 1).contiguous()
            b = torch.zeros(w.shape[0])
            nxt = [m for m in layers if m["inputs"] == [name]]
            if consumers.get(name) == 1 and nxt and nxt[0]["className"] == "BatchNormalization":
                bn = nxt[0]["name"]
                scale = torch.rsqrt(weights[bn + "/moving_variance"] + nxt[0]["config"].get("epsilon", 1e-3))
                if bn + "/gamma" in weights:
                    scale = scale * weights[bn + "/gamma"]
                w = w * scale.reshape(-1, 1, 1, 1)
                b = weights.get(bn + "/beta", torch.zeros_like(scale)) - weights[bn + "/moving_mean"] * scale
                self.skip.add(bn)
            self.convs[name] = (w, b)

    def forward(self, x, outputs):
        values = {"input_1": x}

        def run(name):
            if name in values:
                return values[name]
            l = self.layers[name]
            xs = [run(i) for i in l["inputs"]]
            c = l["config"]
            kind = l["className"]
            if name in self.skip:
                y = xs[0]
            elif kind == "Conv2D":
                w, b = self.convs[name]
                kh, kw = c["kernel_size"]
                t, bo = same_padding(xs[0].shape[2], kh, c["strides"][0]) if c["padding"] == "same" else (0, 0)
                le, r = same_padding(xs[0].shape[3], kw, c["strides"][1]) if c["padding"] == "same" else (0, 0)
                inp = xs[0] if (t == bo and le == r) else F.pad(xs[0], (le, r, t, bo))
                pad = (t, le) if (t == bo and le == r) else (0, 0)
                y = F.conv2d(inp, w, b, stride=c["strides"], padding=pad)
            elif kind == "Activation":
                y = F.relu(xs[0])
            elif kind in ("MaxPooling2D", "AveragePooling2D"):
                k, s = c["pool_size"], c["strides"]
                pad = (0, 0)
                if c["padding"] == "same":
                    pad = (same_padding(xs[0].shape[2], k[0], s[0])[0], same_padding(xs[0].shape[3], k[1], s[1])[0])
                if kind == "MaxPooling2D":
                    y = F.max_pool2d(xs[0], k, s, pad)
                else:
                    y = F.avg_pool2d(xs[0], k, s, pad, count_include_pad=False)
            elif kind == "Concatenate":
                y = torch.cat(xs, 1)
            else:
                raise ValueError(f"layer {name}: {kind} not supported")
            values[name] = y
            return y

        return [run(o).mean((2, 3)) for o in outputs]


def prepare(args):
    """Loads the weights and 'input' from args["file"] and the layers from args["layers"]; writes the features to args["outFile"]."""
    tensors, _ = load(args["file"])
    with open(args["layers"]) as f:
        layers = json.load(f)
    net = KerasInception(layers, tensors)
    x = tensors["input"].contiguous()
    with torch.no_grad():
        pool, mixed5 = net(x, ["mixed10", "mixed5"])
    save(args["outFile"], {"pool": pool.contiguous(), "mixed5": mixed5.contiguous()})
    _state.update(net=net, x=x)
    return {}


def measure(case, warmup, count):
    torch.set_num_threads(case["threads"])
    net, x = _state["net"], _state["x"]

    def forward():
        with torch.no_grad():
            net(x, ["mixed10", "mixed5"])

    return sample(forward, warmup, count)


if __name__ == "__main__":
    serve(measure, ops={"prepare": prepare})
