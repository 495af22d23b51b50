// The reference's model options (netG, netD with n_layers_D, norm, gan_mode) against the reference's own
// network code (test/reference/reference_networks.py) under PyTorch: same initial state (parameters and
// BatchNorm buffers), same inputs give the same eval-mode outputs, and three training steps give the
// same losses, weights and running statistics, within 1e-4.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { CycleGan, lossNames, modelNames } from '../../src/model/cyclegan.js';
import type { GanMode } from '../../src/model/gan_loss.js';
import type { NetD, NetG } from '../../src/model/networks.js';
import type { NormType } from '../../src/model/norm_layer.js';
import { assertClose } from '../helpers/assert_close.js';
import { runReference, tempDir } from '../helpers/reference.js';
import { Rng } from '../../src/engine/rng.js';

const TOL = 1e-4;
const LR = 2e-4;
const STEPS = 3;

interface Case {
  netG: NetG;
  /** Residual blocks for a ResNet (the reference script's resnet_<n>). */
  blocks?: number;
  netD: NetD;
  nLayersD?: number;
  norm: NormType;
  ganMode: GanMode;
  size: number;
}

const CASES: Case[] = [
  { netG: 'resnet_9blocks', blocks: 2, netD: 'basic', norm: 'batch', ganMode: 'lsgan', size: 32 },
  { netG: 'resnet_9blocks', blocks: 2, netD: 'n_layers', nLayersD: 2, norm: 'none', ganMode: 'vanilla', size: 32 },
  { netG: 'resnet_6blocks', netD: 'pixel', norm: 'instance', ganMode: 'wgangp', size: 16 },
  { netG: 'unet_128', netD: 'basic', norm: 'batch', ganMode: 'vanilla', size: 128 },
  { netG: 'unet_128', netD: 'n_layers', nLayersD: 1, norm: 'instance', ganMode: 'lsgan', size: 128 },
];

/** Biases of convolutions right before an affine-free instance norm: their true gradient is 0 (see parity.test.ts). */
function biasesBeforeInstanceNorm(model: CycleGan): Set<string> {
  const out = new Set<string>();
  const visit = (module: E.Module, prefix: string) => {
    if (module instanceof E.Sequential) module.layers.forEach((_, i) => module.layers[i + 1] instanceof E.InstanceNorm2d && out.add(`${prefix}${i}.bias`));
    for (const [name, child] of module.children()) visit(child, `${prefix}${name}.`);
  };
  for (const name of modelNames) visit(model.nets()[name], `${name}.`);
  return out;
}

for (const c of CASES) {
  describe(`netG ${c.netG}${c.blocks ? ` (${c.blocks} blocks)` : ''}, netD ${c.netD}${c.nLayersD ? ` ${c.nLayersD}` : ''}, norm ${c.norm}, gan_mode ${c.ganMode}`, () => {
    let golden: Map<string, StoredTensor>;
    let model: CycleGan;
    const get = (key: string): StoredTensor => {
      const t = golden.get(key);
      assert.ok(t, `golden file lacks ${key}`);
      return t;
    };

    before(() => {
      const out = join(tempDir(), 'options.safetensors');
      const netG = c.blocks ? `resnet_${c.blocks}` : c.netG;
      runReference('options_reference.py', [out, '--netG', netG, '--netD', c.netD, '--n_layers_D', String(c.nLayersD ?? 3), '--norm', c.norm, '--gan_mode', c.ganMode, '--size', String(c.size), '--steps', String(STEPS)]);
      golden = readSafetensors(out).tensors;
      model = new CycleGan({ channels: 3, ngf: 4, ndf: 4, nBlocks: c.blocks ?? 9, netG: c.netG, netD: c.netD, nLayersD: c.nLayersD, norm: c.norm, ganMode: c.ganMode, gLearningRate: LR, dLearningRate: LR, lambdaCycle: 10, lambdaIdentity: 0.5, poolSize: 50, poolRng: new Rng(0) });
      E.tidy(() => {
        for (const name of modelNames) {
          const prefix = `init.${name}.`;
          model.nets()[name].loadStateDict(new Map([...golden].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), fromStored(v)])), `reference ${name}`);
        }
      });
    });

    test('the same names and shapes as the reference state_dict', () => {
      const ours = [...model.namedParameters(), ...model.namedBuffers()].map(([n, t]) => `init.${n} [${t.shape}]`).sort();
      const theirs = [...golden].filter(([k]) => k.startsWith('init.')).map(([k, t]) => `${k} [${t.shape}]`).sort();
      assert.deepEqual(ours, theirs);
    });

    test('eval-mode forward of a generator and a discriminator', () => {
      E.tidy(() => {
        assertClose(model.translate(fromStored(get('real_A'))).toFloat32(), get('forward.fake_B').data as Float32Array, 'G_A(real_A)', TOL, TOL);
        model.netD_A.eval();
        const d = E.noGrad(() => model.netD_A.forward(fromStored(get('real_B'))));
        model.netD_A.train();
        assert.deepEqual(d.shape, get('forward.D_A').shape);
        assertClose(d.toFloat32(), get('forward.D_A').data as Float32Array, 'D_A(real_B)', TOL, TOL);
      });
    });

    test(`${STEPS} training steps: losses, weights and running statistics`, () => {
      E.tidy(() => {
        const realA = fromStored(get('real_A'));
        const realB = fromStored(get('real_B'));
        for (let step = 0; step < STEPS; step++) {
          const losses = model.trainStep(realA, realB);
          for (const name of lossNames) assertClose([losses[name]], get(`step${step}.loss.${name}`).data as Float32Array, `step ${step} loss ${name}`, TOL, TOL);
        }
        const noiseDriven = biasesBeforeInstanceNorm(model);
        for (const [name, p] of [...model.namedParameters(), ...model.namedBuffers()]) {
          if (noiseDriven.has(name)) {
            const initial = get(`init.${name}`).data as Float32Array;
            p.toFloat32().forEach((v, i) => assert.ok(Math.abs(v - initial[i]) <= STEPS * LR * 1.5, `${name}[${i}] moved ${v - initial[i]}, more than Adam's bound`));
            continue;
          }
          const expected = get(`final.${name}`);
          if (expected.dtype === 'I64') assert.deepEqual(p.data(), expected.data, name);
          else assertClose(p.toFloat32(), expected.data as Float32Array, `${name} after ${STEPS} steps`, TOL, TOL);
        }
      });
    });
  });
}
