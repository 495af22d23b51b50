"""PyTorch .pth files for the weights-in/out tests, written and read by torch itself.

  generator DIR --netG resnet_2 --norm instance --ngf 8 --channels 3 --size 32 [--dropout]
      g_zip.pth (torch.save, zip format), g_legacy.pth (_use_new_zipfile_serialization=False),
      g_prefixed.pth (DataParallel "module." names), g_old_instance_norm.pth (pre-0.4 InstanceNorm keys),
      g_reference.safetensors (reference names, no cyclegan metadata) and io.safetensors: the input and
      the generator's eval-mode output on it.
  hostile DIR      evil_zip.pth and evil_legacy.pth whose pickles call os.system, and checkpoint.pth
                   (a dict holding an optimizer's state, not a state_dict)
  load PTH IO OUT --netG ... : torch.load + load_state_dict(strict=True) of our .pth, output on IO's input
  checkpoints DIR --netG resnet_1 --ngf 4 --ndf 4: a reference checkpoints folder, as its save_networks
                   writes it: 5_net_{G_A,G_B,D_A,D_B}.pth (stale) and latest_net_*.pth
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from reference_networks import define_G  # noqa: E402
from safetensors_io import load, save  # noqa: E402


def build(a):
    return define_G(a.channels, a.channels, a.ngf, a.netG, norm=a.norm, use_dropout=a.dropout)


def generator(a):
    torch.manual_seed(a.seed)
    net = build(a)
    # Non-trivial running statistics and biases, so loading every tensor matters.
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.01)
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.rand(2, a.channels, a.size, a.size) * 2 - 1)
    net.eval()
    x = torch.rand(2, a.channels, a.size, a.size) * 2 - 1
    with torch.no_grad():
        y = net(x)
    sd = net.state_dict()
    torch.save(sd, os.path.join(a.out, "g_zip.pth"))
    torch.save(sd, os.path.join(a.out, "g_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save({f"module.{k}": v for k, v in sd.items()}, os.path.join(a.out, "g_prefixed.pth"))
    old = dict(sd)
    for k, v in sd.items():  # what PyTorch < 0.4 left for affine-free InstanceNorm layers
        if k.endswith(".bias") and a.norm == "instance":
            prefix = k[: -len("bias")]
            idx = prefix.rstrip(".").rsplit(".", 1)
            nxt = f"{idx[0]}.{int(idx[1]) + 1}." if len(idx) == 2 and idx[1].isdigit() else None
            if nxt and not any(key.startswith(nxt) for key in sd):
                old[nxt + "running_mean"] = torch.zeros(v.shape[0])
                old[nxt + "running_var"] = torch.ones(v.shape[0])
    torch.save(old, os.path.join(a.out, "g_old_instance_norm.pth"))
    save(os.path.join(a.out, "g_reference.safetensors"), sd)
    save(os.path.join(a.out, "io.safetensors"), {"input": x, "output": y})


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/cyclegan-pwned",))


def hostile(a):
    evil = {"model.1.weight": torch.zeros(1), "payload": Evil()}
    torch.save(evil, os.path.join(a.out, "evil_zip.pth"))
    torch.save(evil, os.path.join(a.out, "evil_legacy.pth"), _use_new_zipfile_serialization=False)
    net = torch.nn.Conv2d(1, 1, 1)
    opt = torch.optim.Adam(net.parameters())
    net(torch.ones(1, 1, 1, 1)).sum().backward()
    opt.step()
    torch.save({"net": net.state_dict(), "epoch": 3, "optimizer": opt.state_dict()}, os.path.join(a.out, "checkpoint.pth"))


def checkpoints(a):
    from reference_networks import define_D
    torch.manual_seed(a.seed)
    for prefix in ("5", "latest"):
        for name in ("G_A", "G_B", "D_A", "D_B"):
            net = build(a) if name.startswith("G") else define_D(a.channels, a.ndf, "basic", norm=a.norm)
            torch.save(net.state_dict(), os.path.join(a.out, f"{prefix}_net_{name}.pth"))


def load_ours(a):
    net = build(a)
    net.load_state_dict(torch.load(a.pth, map_location="cpu"), strict=True)
    net.eval()
    io, _ = load(a.io)
    with torch.no_grad():
        y = net(io["input"])
    save(a.out, {"output": y})


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["generator", "hostile", "load", "checkpoints"])
    p.add_argument("out")
    p.add_argument("--pth")
    p.add_argument("--io")
    p.add_argument("--netG", default="resnet_2")
    p.add_argument("--norm", default="instance")
    p.add_argument("--ngf", type=int, default=8)
    p.add_argument("--ndf", type=int, default=4)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--dropout", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    {"generator": generator, "hostile": hostile, "load": load_ours, "checkpoints": checkpoints}[args.mode](args)
