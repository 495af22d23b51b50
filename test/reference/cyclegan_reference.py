"""The reference CycleGAN in PyTorch, written after junyanz/pytorch-CycleGAN-and-pix2pix
(models/networks.py: ResnetGenerator, ResnetBlock, NLayerDiscriminator, GANLoss('lsgan');
models/cycle_gan_model.py: forward, backward_G, backward_D_basic, optimize_parameters),
with norm='instance', no dropout, init 'normal' 0.02. Used by the parity tests and benchmarks.

Usage: python3 cyclegan_reference.py parity OUT.safetensors --size 32 --ngf 8 --ndf 8 --blocks 2 --channels 3
Writes initial weights, inputs, forward outputs, the step's losses and the updated weights."""
import argparse
import functools
import itertools
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_io import save  # noqa: E402


class ResnetBlock(nn.Module):
    def __init__(self, dim, norm_layer, use_bias):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm_layer(dim), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm_layer(dim))

    def forward(self, x):
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, input_nc, output_nc, ngf=64, n_blocks=9):
        super().__init__()
        norm_layer = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
        use_bias = True  # instance norm has no affine part, so convs keep their bias (as in the reference)
        model = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7, padding=0, bias=use_bias), norm_layer(ngf), nn.ReLU(True)]
        for i in range(2):
            mult = 2 ** i
            model += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=use_bias), norm_layer(ngf * mult * 2), nn.ReLU(True)]
        mult = 4
        for _ in range(n_blocks):
            model += [ResnetBlock(ngf * mult, norm_layer, use_bias)]
        for i in range(2):
            mult = 2 ** (2 - i)
            model += [nn.ConvTranspose2d(ngf * mult, int(ngf * mult / 2), 3, stride=2, padding=1, output_padding=1, bias=use_bias),
                      norm_layer(int(ngf * mult / 2)), nn.ReLU(True)]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*model)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc, ndf=64, n_layers=3):
        super().__init__()
        norm_layer = functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
        use_bias = True
        kw, padw = 4, 1
        seq = [nn.Conv2d(input_nc, ndf, kw, stride=2, padding=padw), nn.LeakyReLU(0.2, True)]
        nf_mult = 1
        for n in range(1, n_layers):
            prev, nf_mult = nf_mult, min(2 ** n, 8)
            seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kw, stride=2, padding=padw, bias=use_bias), norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        prev, nf_mult = nf_mult, min(2 ** n_layers, 8)
        seq += [nn.Conv2d(ndf * prev, ndf * nf_mult, kw, stride=1, padding=padw, bias=use_bias), norm_layer(ndf * nf_mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * nf_mult, 1, kw, stride=1, padding=padw)]
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        return self.model(x)


def init_normal(net, gain=0.02):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight.data, 0.0, gain)
            if m.bias is not None:
                nn.init.constant_(m.bias.data, 0.0)


def gan_loss(pred, is_real):
    """LSGAN: mean squared error against a map of 1s (real) or 0s (fake)."""
    return nn.functional.mse_loss(pred, torch.full_like(pred, 1.0 if is_real else 0.0))


class CycleGAN:
    """G_A: X->Y (the paper's G), G_B: Y->X (F), D_A judges Y (D_Y), D_B judges X (D_X)."""

    def __init__(self, channels, ngf, ndf, n_blocks, lr_g=1e-4, lr_d=1e-4, lambda_cycle=10.0, lambda_identity=0.5):
        self.G_A, self.G_B = ResnetGenerator(channels, channels, ngf, n_blocks), ResnetGenerator(channels, channels, ngf, n_blocks)
        self.D_A, self.D_B = NLayerDiscriminator(channels, ndf), NLayerDiscriminator(channels, ndf)
        for net in self.nets().values():
            init_normal(net)
        self.opt_G = torch.optim.Adam(itertools.chain(self.G_A.parameters(), self.G_B.parameters()), lr=lr_g, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), lr=lr_d, betas=(0.5, 0.999))
        self.lambda_cycle, self.lambda_identity = lambda_cycle, lambda_identity

    def nets(self):
        return {"netG_A": self.G_A, "netG_B": self.G_B, "netD_A": self.D_A, "netD_B": self.D_B}

    def state(self):
        return {f"{k}.{n}": p.detach().clone() for k, net in self.nets().items() for n, p in net.state_dict().items()}

    def step(self, real_A, real_B):
        """One optimize_parameters() with an empty image pool (the first 50 queries return their input)."""
        fake_B = self.G_A(real_A)
        rec_A = self.G_B(fake_B)
        fake_A = self.G_B(real_B)
        rec_B = self.G_A(fake_A)
        for d in (self.D_A, self.D_B):
            for p in d.parameters():
                p.requires_grad_(False)
        self.opt_G.zero_grad()
        lam, idt = self.lambda_cycle, self.lambda_identity
        losses = {}
        if idt > 0:
            losses["idt_A"] = nn.functional.l1_loss(self.G_A(real_B), real_B) * lam * idt
            losses["idt_B"] = nn.functional.l1_loss(self.G_B(real_A), real_A) * lam * idt
        else:
            losses["idt_A"] = losses["idt_B"] = torch.zeros(())
        losses["G_A"] = gan_loss(self.D_A(fake_B), True)
        losses["G_B"] = gan_loss(self.D_B(fake_A), True)
        losses["cycle_A"] = nn.functional.l1_loss(rec_A, real_A) * lam
        losses["cycle_B"] = nn.functional.l1_loss(rec_B, real_B) * lam
        loss_G = losses["G_A"] + losses["G_B"] + losses["cycle_A"] + losses["cycle_B"] + losses["idt_A"] + losses["idt_B"]
        loss_G.backward()
        self.opt_G.step()
        for d in (self.D_A, self.D_B):
            for p in d.parameters():
                p.requires_grad_(True)
        self.opt_D.zero_grad()
        for name, net, real, fake in (("D_A", self.D_A, real_B, fake_B), ("D_B", self.D_B, real_A, fake_A)):
            loss = (gan_loss(net(real), True) + gan_loss(net(fake.detach()), False)) * 0.5
            loss.backward()
            losses[name] = loss
        self.opt_D.step()
        return {k: v.detach() for k, v in losses.items()}


def parity(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    model = CycleGAN(args.channels, args.ngf, args.ndf, args.blocks)
    gen = torch.Generator().manual_seed(args.seed + 1)
    real_A = torch.rand(1, args.channels, args.size, args.size, generator=gen) * 2 - 1
    real_B = torch.rand(1, args.channels, args.size, args.size, generator=gen) * 2 - 1
    out = {f"init.{k}": v for k, v in model.state().items()}
    out["real_A"], out["real_B"] = real_A, real_B
    with torch.no_grad():
        out["forward.fake_B"] = model.G_A(real_A)
        out["forward.D_A"] = model.D_A(real_B)
    for step in range(args.steps):
        losses = model.step(real_A, real_B)
        for k, v in losses.items():
            out[f"step{step}.loss.{k}"] = v.reshape(1)
        # The gradients this step's updates used: an element whose gradient is rounding noise moves by
        # Adam's full step in either direction, so the test checks such elements against a bound instead.
        for k, net in model.nets().items():
            for n, p in net.named_parameters():
                out[f"step{step}.grad.{k}.{n}"] = p.grad.detach().clone()
    out.update({f"final.{k}": v for k, v in model.state().items()})
    save(args.out, out, {"torch": torch.__version__})


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["parity"])
    p.add_argument("out")
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--ngf", type=int, default=8)
    p.add_argument("--ndf", type=int, default=8)
    p.add_argument("--blocks", type=int, default=2)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    parity(a)
