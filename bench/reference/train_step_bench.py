"""PyTorch side of bench/train_step.ts: times CycleGAN.step of the reference model
(test/reference/cyclegan_reference.py, the networks and losses the parity tests check ours against)
in a process of its own, so that the peak memory it reports (VmHWM) belongs to this one case.

The case comes from bench/train_step.ts (same keys); the images are the ones our side trains on,
read from the case's safetensors file. The reference step has no image pool: with fewer than 50
steps per process the pool would hand every fake straight back anyway (see train_step.ts).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "reference"))
from cyclegan_reference import CycleGAN  # noqa: E402
from safetensors_io import load  # noqa: E402

from harness import memory_kib, run_once, sample  # noqa: E402


def measure(case, warmup, count):
    torch.set_num_threads(case["threads"])
    torch.manual_seed(case["seed"])
    tensors, _ = load(case["dataFile"])
    real_a, real_b = tensors["real_A"].contiguous(), tensors["real_B"].contiguous()
    baseline_kib = memory_kib("VmRSS")
    model = CycleGAN(case["channels"], case["ngf"], case["ndf"], case["nBlocks"], lr_g=case["learningRate"], lr_d=case["learningRate"],
                     lambda_cycle=case["lambdaCycle"], lambda_identity=case["lambdaIdentity"])
    result = sample(lambda: model.step(real_a, real_b), warmup, count)
    peak_kib = memory_kib("VmHWM")
    result["baselineRssBytes"] = None if baseline_kib is None else baseline_kib * 1024
    result["peakRssBytes"] = None if peak_kib is None else peak_kib * 1024
    return result


if __name__ == "__main__":
    run_once(measure)
