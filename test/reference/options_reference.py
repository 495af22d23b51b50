"""The reference CycleGAN step (models/cycle_gan_model.py: forward, backward_G, backward_D_basic,
optimize_parameters) over the reference's own networks and GAN losses (reference_networks.py), for
any of its model options. Writes the initial state (parameters and buffers), the inputs, forward
outputs, each step's losses and the final state, for test/model/reference_options.test.ts.

Usage: python3 options_reference.py OUT.safetensors --netG resnet_2 --netD basic --n_layers_D 3
       --norm batch --gan_mode lsgan --size 32 --ngf 4 --ndf 4 --steps 3 --channels 3"""
import argparse
import itertools
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from reference_networks import GANLoss, define_D, define_G  # noqa: E402
from safetensors_io import save  # noqa: E402


def main(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    c = a.channels
    nets = {
        "netG_A": define_G(c, c, a.ngf, a.netG, a.norm, False, a.init_type, a.init_gain),
        "netG_B": define_G(c, c, a.ngf, a.netG, a.norm, False, a.init_type, a.init_gain),
        "netD_A": define_D(c, a.ndf, a.netD, a.n_layers_D, a.norm, a.init_type, a.init_gain),
        "netD_B": define_D(c, a.ndf, a.netD, a.n_layers_D, a.norm, a.init_type, a.init_gain),
    }
    G_A, G_B, D_A, D_B = nets["netG_A"], nets["netG_B"], nets["netD_A"], nets["netD_B"]
    crit = GANLoss(a.gan_mode)
    opt_G = torch.optim.Adam(itertools.chain(G_A.parameters(), G_B.parameters()), lr=a.lr, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(itertools.chain(D_A.parameters(), D_B.parameters()), lr=a.lr, betas=(0.5, 0.999))

    def state():
        return {f"{k}.{n}": t.detach().clone() for k, net in nets.items() for n, t in net.state_dict().items()}

    gen = torch.Generator().manual_seed(a.seed + 1)
    real_A = torch.rand(1, c, a.size, a.size, generator=gen) * 2 - 1
    real_B = torch.rand(1, c, a.size, a.size, generator=gen) * 2 - 1
    out = {f"init.{k}": v for k, v in state().items()}
    out["real_A"], out["real_B"] = real_A, real_B
    with torch.no_grad():
        # Eval-mode outputs, so the forward check leaves the running statistics alone.
        for net in nets.values():
            net.eval()
        out["forward.fake_B"] = G_A(real_A)
        out["forward.D_A"] = D_A(real_B)
        for net in nets.values():
            net.train()
    lam, idt = 10.0, 0.5
    for step in range(a.steps):
        fake_B = G_A(real_A)
        rec_A = G_B(fake_B)
        fake_A = G_B(real_B)
        rec_B = G_A(fake_A)
        for d in (D_A, D_B):
            for p in d.parameters():
                p.requires_grad_(False)
        opt_G.zero_grad()
        losses = {}
        losses["idt_A"] = nn.functional.l1_loss(G_A(real_B), real_B) * lam * idt
        losses["idt_B"] = nn.functional.l1_loss(G_B(real_A), real_A) * lam * idt
        losses["G_A"] = crit(D_A(fake_B), True)
        losses["G_B"] = crit(D_B(fake_A), True)
        losses["cycle_A"] = nn.functional.l1_loss(rec_A, real_A) * lam
        losses["cycle_B"] = nn.functional.l1_loss(rec_B, real_B) * lam
        sum(losses.values()).backward()
        opt_G.step()
        for d in (D_A, D_B):
            for p in d.parameters():
                p.requires_grad_(True)
        opt_D.zero_grad()
        for name, net, real, fake in (("D_A", D_A, real_B, fake_B), ("D_B", D_B, real_A, fake_A)):
            loss = (crit(net(real), True) + crit(net(fake.detach()), False)) * 0.5
            loss.backward()
            losses[name] = loss
        opt_D.step()
        for k, v in losses.items():
            out[f"step{step}.loss.{k}"] = v.detach().reshape(1)
    out.update({f"final.{k}": v for k, v in state().items()})
    save(a.out, out, {"torch": torch.__version__})


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--netG", default="resnet_2")
    p.add_argument("--netD", default="basic")
    p.add_argument("--n_layers_D", type=int, default=3)
    p.add_argument("--norm", default="instance")
    p.add_argument("--gan_mode", default="lsgan")
    p.add_argument("--init_type", default="normal")
    p.add_argument("--init_gain", type=float, default=0.02)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--ngf", type=int, default=4)
    p.add_argument("--ndf", type=int, default=4)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--seed", type=int, default=0)
    main(p.parse_args())
