"""The reference's own CycleGAN training loop, for the quality-parity benchmark (bench/quality_parity.ts).

It trains the way junyanz/pytorch-CycleGAN-and-pix2pix's train.py does with --model cycle_gan, on
the networks of test/reference/cyclegan_reference.py (its ResnetGenerator and NLayerDiscriminator):
  - data/unaligned_dataset.py: an epoch has max(|A|, |B|) items; DataLoader(shuffle=True) visits A
    in a new random order each epoch, and B is drawn with random.randint per item (serial_batches
    false); both sorted by path first;
  - data/base_dataset.py get_transform, preprocess resize_and_crop: PIL convert('RGB'),
    Resize([load, load], BICUBIC), RandomCrop(crop), RandomHorizontalFlip, ToTensor,
    Normalize(0.5, 0.5), written here with PIL and torch (Debian ships no torchvision);
  - util/image_pool.py: ImagePool(pool_size) in front of each discriminator;
  - models/cycle_gan_model.py optimize_parameters: G step with D frozen, then D_A and D_B with
    fakes from the pools, LSGAN, Adam(betas 0.5, 0.999);
  - models/networks.py lambda_rule with n_epochs = n_epochs_decay = epochs / 2, the scheduler
    stepped after each epoch (epoch e trains with lambda_rule(e - 1)).
Random draws use Python's `random` (data, pool) and torch's generator (init), seeded from --seed.

Usage (one JSON argument, as bench/once.ts sends it):
  python3 quality_parity_train.py '{"case": {...}, "warmup": 0, "count": 1}'
Prints {"ok": {...}} with the path of the trained G_A (a cyclegan generator file: safetensors, the reference's names).
"""
import itertools
import json
import os
import random
import sys
import time

import torch
import torch.nn as nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "reference"))
from cyclegan_reference import CycleGAN, gan_loss  # noqa: E402
from safetensors_io import save  # noqa: E402

sys.path.insert(0, HERE)
from harness import info  # noqa: E402

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def list_images(folder):
    return sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))


def to_tensor(img):
    """ToTensor then Normalize(0.5, 0.5): HWC uint8 to CHW float in [-1, 1]."""
    data = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).reshape(img.size[1], img.size[0], 3)
    return data.permute(2, 0, 1).float().div(255).sub(0.5).div(0.5)


def transform(path, load, crop, flip):
    """get_transform(opt) for resize_and_crop: the random crop and flip drawn as torchvision draws them."""
    img = Image.open(path).convert("RGB").resize((load, load), Image.BICUBIC)
    top = random.randint(0, load - crop)
    left = random.randint(0, load - crop)
    img = img.crop((left, top, left + crop, top + crop))
    if flip and random.random() < 0.5:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    return to_tensor(img)


class ImagePool:
    """util/image_pool.py."""

    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        if self.size == 0:
            return images
        out = []
        for image in images:
            image = image.detach().unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(image)
                out.append(image)
            elif random.uniform(0, 1) > 0.5:
                k = random.randint(0, self.size - 1)
                out.append(self.images[k].clone())
                self.images[k] = image
            else:
                out.append(image)
        return torch.cat(out, 0)


def optimize_parameters(model, pools, real_A, real_B):
    """cycle_gan_model.py optimize_parameters, with the pools in backward_D_A / backward_D_B."""
    fake_B = model.G_A(real_A)
    rec_A = model.G_B(fake_B)
    fake_A = model.G_B(real_B)
    rec_B = model.G_A(fake_A)
    for d in (model.D_A, model.D_B):
        for p in d.parameters():
            p.requires_grad_(False)
    model.opt_G.zero_grad()
    lam, idt = model.lambda_cycle, model.lambda_identity
    loss_G = gan_loss(model.D_A(fake_B), True) + gan_loss(model.D_B(fake_A), True)
    loss_G = loss_G + nn.functional.l1_loss(rec_A, real_A) * lam + nn.functional.l1_loss(rec_B, real_B) * lam
    if idt > 0:
        loss_G = loss_G + nn.functional.l1_loss(model.G_A(real_B), real_B) * lam * idt
        loss_G = loss_G + nn.functional.l1_loss(model.G_B(real_A), real_A) * lam * idt
    loss_G.backward()
    model.opt_G.step()
    for d in (model.D_A, model.D_B):
        for p in d.parameters():
            p.requires_grad_(True)
    model.opt_D.zero_grad()
    for net, real, fake in ((model.D_A, real_B, pools[0].query(fake_B)), (model.D_B, real_A, pools[1].query(fake_A))):
        loss = (gan_loss(net(real), True) + gan_loss(net(fake.detach()), False)) * 0.5
        loss.backward()
    model.opt_D.step()
    return float(loss_G)


def lambda_rule(epoch, n_epochs, n_epochs_decay):
    """models/networks.py get_scheduler('linear') with epoch_count 1."""
    return 1.0 - max(0, epoch + 1 - n_epochs) / float(n_epochs_decay + 1)


def train(case):
    torch.set_num_threads(case["threads"])
    random.seed(case["seed"])
    torch.manual_seed(case["seed"])
    size, load = case["size"], round(case["size"] * case["load_scale"])
    A, B = list_images(case["source"]), list_images(case["target"])
    model = CycleGAN(3, case["ngf"], case["ndf"], case["n_blocks"], lr_g=case["g_lr"], lr_d=case["d_lr"])
    pools = (ImagePool(case["pool_size"]), ImagePool(case["pool_size"]))
    epochs = case["epochs"]
    n_epochs = epochs // 2
    n_decay = epochs - n_epochs
    items = max(len(A), len(B))
    started = time.time()
    steps = 0
    for epoch in range(epochs):
        factor = lambda_rule(epoch, n_epochs, n_decay)
        for opt, lr in ((model.opt_G, case["g_lr"]), (model.opt_D, case["d_lr"])):
            for group in opt.param_groups:
                group["lr"] = lr * factor
        for index in torch.randperm(items).tolist():
            a = transform(A[index % len(A)], load, size, case["flip"]).unsqueeze(0)
            b = transform(B[random.randint(0, len(B) - 1)], load, size, case["flip"]).unsqueeze(0)
            optimize_parameters(model, pools, a, b)
            steps += 1
    seconds = time.time() - started
    # A generator file as cyclegan writes one (src/io/checkpoint.ts saveGenerator), so the benchmark scores both sides alike.
    meta = {"format": "cyclegan-generator/1", "direction": "AtoB", "generator": {"channels": 3, "ngf": case["ngf"], "nBlocks": case["n_blocks"]},
            "image_height": size, "image_width": size, "epoch": epochs}
    save(case["out"], dict(model.G_A.state_dict()), {"cyclegan": json.dumps(meta)})
    return {"weights": case["out"], "steps": steps, "seconds": seconds, "info": info()}


if __name__ == "__main__":
    try:
        request = json.loads(sys.argv[1])
        reply = {"ok": train(request["case"])}
    except Exception as error:  # noqa: BLE001 - the TypeScript side prints it
        import traceback

        reply = {"error": traceback.format_exc() or str(error)}
    print(json.dumps(reply))
    sys.exit(0 if "ok" in reply else 1)
