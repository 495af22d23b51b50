#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, Node 20 and a CUDA PyTorch installed with pip (its wheel
# has torch/include and torch/lib; the nvidia-nccl-cu* wheel it depends on has nccl.h). Nothing in CI
# runs this: the project is only tested on CPU. It
#   1. builds the addon against that torch (LIBTORCH=<torch folder>, NCCL compiled in when nccl.h and the
#      CUDA headers are found: scripts/find-libtorch.mjs),
#   2. trains a few steps with device cuda and compares the losses with the CPU's,
#   3. runs `cyclegan train --nproc 1 --dist_backend nccl` (and --nproc 2 when there are 2 GPUs),
#   4. prints seconds per training step, ours against PyTorch eager, on the same GPU.
# Usage: scripts/gpu-check.sh [steps, default 5]. Exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS="${1:-5}"
PYTHON="${PYTHON:-python3}"
say() { printf '\n== %s\n' "$*"; }

say "torch and GPU"
TORCH_DIR="$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
"$PYTHON" -c 'import torch; assert torch.cuda.is_available(), "torch sees no GPU"; print(torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0), "GPUs:", torch.cuda.device_count())'
GPUS="$("$PYTHON" -c 'import torch; print(torch.cuda.device_count())')"
export LIBTORCH="$TORCH_DIR"
# The Gloo headers ship in the wheel (torch/include/gloo) or come from libgloo-dev.
[ -f "$TORCH_DIR/include/gloo/config.h" ] || [ -f /usr/include/gloo/config.h ] || { echo "no gloo headers: apt-get install libgloo-dev" >&2; exit 1; }

say "build against $TORCH_DIR"
[ -d node_modules ] || npm ci --ignore-scripts
node scripts/find-libtorch.mjs --defines
npm run build:native
npm run build
node --input-type=module -e "
import { buildInfo, distBackends } from './dist/src/engine/index.js';
const b = buildInfo(); console.log('addon:', JSON.stringify(b), 'backends:', distBackends().join(','));
if (!b.cuda) { console.error('the addon was not built against a CUDA libtorch'); process.exit(1); }"

say "$STEPS training steps on cuda against cpu (fixtures, 64 px, ngf 8)"
OUT="$(mktemp -d)"
node --input-type=module -e "
import { resolveParameters } from './dist/src/config/resolve.js';
import { train } from './dist/src/train/trainer.js';
const losses = {};
for (const device of ['cpu', 'cuda']) {
  losses[device] = [];
  const c = new AbortController();
  const parameters = resolveParameters({ image_height: 64, image_width: 64, ngf: 8, ndf: 8, n_blocks: 2, pool_size: 0, flip: false, max_epoch: 1, batch_size: 1, threads: 2, seed: 7, log_frequency: 1, device });
  await train({ source: 'test/fixtures/flat', target: 'test/fixtures/target', out: '$OUT/' + device, parameters, signal: c.signal, onEvent: (e) => { if (e.type === 'step') { losses[device].push(e.losses); if (e.globalStep === $STEPS) c.abort(); } } });
}
let worst = 0;
losses.cpu.forEach((l, i) => { for (const k of Object.keys(l)) worst = Math.max(worst, Math.abs(l[k] - losses.cuda[i][k]) / Math.max(1e-3, Math.abs(l[k]))); });
console.log('step 1 cpu ', JSON.stringify(losses.cpu[0])); console.log('step 1 cuda', JSON.stringify(losses.cuda[0]));
console.log('largest relative loss difference over', losses.cpu.length, 'steps:', worst.toExponential(2));
// cuDNN picks other convolution algorithms: step 1 must agree closely, later steps drift apart slowly.
const first = Math.max(...Object.keys(losses.cpu[0]).map((k) => Math.abs(losses.cpu[0][k] - losses.cuda[0][k]) / Math.max(1e-3, Math.abs(losses.cpu[0][k]))));
if (first > 1e-3) { console.error('step 1 losses differ by ' + first + ' (more than 1e-3)'); process.exit(1); }"

say "cyclegan train --nproc 1 --dist_backend nccl --device cuda"
TINY=(--source test/fixtures/flat --target test/fixtures/target --image_height 64 --image_width 64 --ngf 8 --ndf 8 --n_blocks 2 --max_epoch 2 --log_frequency 5 --device cuda --dist_backend nccl)
node dist/src/cli/main.js train "${TINY[@]}" --out "$OUT/nccl1" --nproc 1
test -f "$OUT/nccl1/output_0.manifest"
if [ "$GPUS" -ge 2 ]; then
  say "cyclegan train --nproc 2 --dist_backend nccl (one GPU per local rank)"
  node dist/src/cli/main.js train "${TINY[@]}" --out "$OUT/nccl2" --nproc 2
  test -f "$OUT/nccl2/output_0.manifest"
fi

say "seconds per training step at 256 px, ResNet-9 (ngf 64), batch 1: ours against PyTorch eager on the same GPU"
node --input-type=module -e "
import * as E from './dist/src/engine/index.js';
import { Rng } from './dist/src/data/rng.js';
import { CycleGan } from './dist/src/model/cyclegan.js';
E.manualSeed(1);
const rng = new Rng(1);
const m = new CycleGan({ channels: 3, ngf: 64, ndf: 64, nBlocks: 9, gLearningRate: 2e-4, dLearningRate: 2e-4, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50, random: () => rng.next(), device: 'cuda' });
const a = E.rand([1, 3, 256, 256], { seed: 1, device: 'cuda' }).mul(2).sub(1), b = E.rand([1, 3, 256, 256], { seed: 2, device: 'cuda' }).mul(2).sub(1);
const t = [];
for (let i = 0; i < 25; i++) { E.synchronize(); const t0 = performance.now(); E.tidy(() => void m.trainStep(a, b)); E.synchronize(); if (i >= 5) t.push((performance.now() - t0) / 1000); }
t.sort((x, y) => x - y); console.log('ours   ', t[t.length >> 1].toFixed(4), 's/step (median of 20)');"
"$PYTHON" - <<'PY'
import os, sys, time, torch
sys.path.insert(0, os.path.join('test', 'reference'))
from cyclegan_reference import CycleGAN
torch.manual_seed(1)
m = CycleGAN(3, 64, 64, 9, lr_g=2e-4, lr_d=2e-4, lambda_cycle=10.0, lambda_identity=0.5)
nets = m.nets()
for net in (nets.values() if isinstance(nets, dict) else nets):
    net.cuda()  # moves the parameters in place: the optimizers (state created lazily) follow
a = torch.rand(1, 3, 256, 256, device='cuda') * 2 - 1; b = torch.rand(1, 3, 256, 256, device='cuda') * 2 - 1
t = []
for i in range(25):
    torch.cuda.synchronize(); t0 = time.perf_counter(); m.step(a, b); torch.cuda.synchronize()
    if i >= 5: t.append(time.perf_counter() - t0)
t.sort(); print('PyTorch', f'{t[len(t) // 2]:.4f}', 's/step (median of 20, reference without image pool)')
PY
say "all GPU checks passed ($OUT)"
