"""PyTorch side of bench/translate.ts: the reference ResnetGenerator (test/reference/cyclegan_reference.py)
in eval mode under no_grad, with the weights and input image our side wrote, so that the outputs of
every side can be compared before any of them is timed.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "reference"))
from cyclegan_reference import ResnetGenerator  # noqa: E402
from safetensors_io import load, save  # noqa: E402

from harness import sample, serve  # noqa: E402

_model = {}


def prepare(args):
    """Loads generator weights (prefix 'generator.') and 'input' from args["file"]; writes the output to args["outFile"]."""
    tensors, _ = load(args["file"])
    net = ResnetGenerator(args["channels"], args["channels"], args["ngf"], args["nBlocks"])
    prefix = "generator."
    net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})  # strict: every name must match
    net.eval()
    x = tensors["input"].contiguous()
    with torch.no_grad():
        y = net(x)
    save(args["outFile"], {"output": y.contiguous()})
    _model.update(net=net, x=x)
    return {"parameters": sum(p.numel() for p in net.parameters())}


def measure(case, warmup, count):
    torch.set_num_threads(case["threads"])
    net, x = _model["net"], _model["x"]

    def forward():
        with torch.no_grad():
            net(x)

    return sample(forward, warmup, count)


if __name__ == "__main__":
    serve(measure, ops={"prepare": prepare})
