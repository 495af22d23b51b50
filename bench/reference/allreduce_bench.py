"""One rank of the data-parallel benchmark's allreduce case on PyTorch: torch.distributed with the gloo
backend averages gradients shaped like one ResNet-9 generator's (ngf 64, 9 blocks) across WORLD_SIZE
processes on 127.0.0.1, with the same collective as ours (allreduce_coalesced of the gradient list, then a
division by the world size). Prints seconds per allreduce (rank 0's are the ones reported)."""
import os
import sys
import time

import torch
import torch.distributed as dist

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "reference"))
from cyclegan_reference import ResnetGenerator  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from harness import run_once  # noqa: E402


def measure(case, warmup, count):
    torch.set_num_threads(case["threads"])
    rank = int(os.environ["RANK"])
    world = int(os.environ["WORLD_SIZE"])
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{os.environ['MASTER_PORT']}", rank=rank, world_size=world)
    net = ResnetGenerator(case["channels"], case["channels"], case["ngf"], case["nBlocks"])
    grads = [torch.ones_like(p) for p in net.parameters()]
    seconds = []
    for i in range(warmup + count):
        dist.barrier()
        t0 = time.perf_counter()
        dist.all_reduce_coalesced(grads)
        for g in grads:
            g.div_(world)
        if i >= warmup:
            seconds.append(time.perf_counter() - t0)
    dist.barrier()
    dist.destroy_process_group()
    return {"seconds": seconds, "floats": sum(g.numel() for g in grads)}


if __name__ == "__main__":
    run_once(measure)
