// Weights in from the PyTorch reference: .pth files written by torch.save (zip and legacy formats) and
// reference-named safetensors load into the right generator, found from their names and shapes, and
// translate like PyTorch (1e-5); hostile pickles are refused by the global's name without running it;
// truncated and damaged files give typed errors only.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../src/engine/index.js';
import { CheckpointError, CycleGanError } from '../../src/errors.js';
import { loadGenerator } from '../../src/io/checkpoint.js';
import { decodePth } from '../../src/io/pth_read.js';
import { encodeSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { fromStored } from '../../src/io/tensor_store.js';
import { assertClose } from '../helpers/assert_close.js';
import { runReference, tempDir } from '../helpers/reference.js';
import { writeFileSync } from 'node:fs';

const CASES = [
  { netG: 'resnet_2', norm: 'instance', size: 32, dropout: false, expect: { netG: 'resnet_9blocks', nBlocks: 2 } },
  { netG: 'resnet_6blocks', norm: 'batch', size: 16, dropout: false, expect: { netG: 'resnet_6blocks', nBlocks: 6 } },
  { netG: 'resnet_2', norm: 'none', size: 32, dropout: true, expect: { netG: 'resnet_9blocks', nBlocks: 2 } },
  { netG: 'unet_128', norm: 'batch', size: 128, dropout: false, expect: { netG: 'unet_128' } },
  { netG: 'unet_256', norm: 'instance', size: 256, dropout: false, expect: { netG: 'unet_256' } },
] as const;

function translate(net: E.Module, io: string): { ours: Float32Array; expected: Float32Array } {
  const t = readSafetensors(io).tensors;
  const ours = E.tidy(() => E.noGrad(() => net.forward(fromStored(t.get('input')!)).toFloat32()));
  return { ours, expected: t.get('output')!.data as Float32Array };
}

for (const c of CASES) {
  describe(`reference ${c.netG}, norm ${c.norm}${c.dropout ? ', dropout' : ''}`, () => {
    let dir: string;
    before(() => {
      dir = tempDir();
      runReference('pth_files.py', ['generator', dir, '--netG', c.netG, '--norm', c.norm, '--size', String(c.size), '--ngf', '4', ...(c.dropout ? ['--dropout'] : [])]);
    });
    for (const file of ['g_zip.pth', 'g_legacy.pth', 'g_prefixed.pth', 'g_old_instance_norm.pth', 'g_reference.safetensors']) {
      test(`${file} loads as that generator and translates as PyTorch does`, () => {
        const { net, meta } = loadGenerator(join(dir, file));
        try {
          assert.deepEqual(meta.generator, { channels: 3, ngf: 4, norm: c.norm, dropout: c.dropout, nBlocks: 'nBlocks' in c.expect ? c.expect.nBlocks : 9, netG: c.expect.netG });
          const { ours, expected } = translate(net, join(dir, 'io.safetensors'));
          assertClose(ours, expected, `${file} output`, 0, 1e-5);
        } finally {
          net.dispose();
        }
      });
    }
  });
}

describe('refusals', () => {
  let dir: string;
  before(() => {
    dir = tempDir();
    runReference('pth_files.py', ['hostile', dir]);
    runReference('pth_files.py', ['generator', dir, '--netG', 'resnet_2', '--size', '16', '--ngf', '4']);
    rmSync('/tmp/cyclegan-pwned', { force: true });
  });

  test('a pickle that calls os.system is refused by name, in both formats, and nothing runs', () => {
    for (const file of ['evil_zip.pth', 'evil_legacy.pth']) {
      assert.throws(() => loadGenerator(join(dir, file)), {
        name: 'CheckpointError',
        message: new RegExp(`^${join(dir, file)} asks to import the Python global 'posix\\.system' while loading\\. A state_dict needs only collections\\.OrderedDict, `),
      });
    }
    assert.equal(existsSync('/tmp/cyclegan-pwned'), false);
  });

  test('a training checkpoint (a dict with optimizer state) is told apart from a state_dict', () => {
    assert.throws(() => loadGenerator(join(dir, 'checkpoint.pth')), {
      name: 'CheckpointError',
      message: `${join(dir, 'checkpoint.pth')}: entry 'net' is not a tensor, so this is not a state_dict (a training checkpoint with optimizer state, perhaps). Save the weights as a plain state_dict: torch.save(net.state_dict(), path).`,
    });
  });

  test('a state_dict that lacks a layer names the missing and unexpected keys', () => {
    const tensors = readSafetensors(join(dir, 'g_reference.safetensors')).tensors;
    tensors.delete('model.10.conv_block.5.weight');
    tensors.set('model.99.weight', tensors.get('model.1.bias')!);
    const path = join(dir, 'partial.safetensors');
    writeFileSync(path, Buffer.concat(encodeSafetensors(tensors)));
    assert.throws(() => loadGenerator(path), { name: 'CheckpointError', message: new RegExp(`^${path} does not fit this network: missing model\\.10\\.conv_block\\.5\\.weight; unexpected model\\.99\\.weight\\.`) });
  });

  test('something that is not a generator at all says what was expected', () => {
    const path = join(dir, 'other.safetensors');
    const tensors = readSafetensors(join(dir, 'g_reference.safetensors')).tensors;
    writeFileSync(path, Buffer.concat(encodeSafetensors(new Map([['fc.weight', tensors.get('model.1.bias')!]]))));
    assert.throws(() => loadGenerator(path), { name: 'CheckpointError', message: /does not look like a generator of the reference .*it starts with fc\.weight\)\. Pass a G_A or G_B file/ });
  });

  test('truncations and byte flips give typed errors, never a crash', () => {
    for (const file of ['g_zip.pth', 'g_legacy.pth']) {
      const bytes = readFileSync(join(dir, file));
      let refused = 0;
      const attempt = (damaged: Uint8Array, what: string) => {
        try {
          const { net } = loadGenerator(join(dir, file), 'AtoB', damaged);
          net.dispose(); // a flip inside the weights still loads: it is only a different number
        } catch (error) {
          assert.ok(error instanceof CheckpointError || error instanceof CycleGanError, `${what}: ${(error as Error).name}: ${(error as Error).message}`);
          assert.ok(!(error as Error).message.includes('\n    at '), `${what}: a stack trace in the message`);
          refused++;
        }
      };
      for (let i = 0; i < 150; i++) {
        const cut = Math.floor((bytes.length * i) / 150);
        attempt(bytes.subarray(0, cut), `${file} cut at ${cut}`);
      }
      let seed = 12345;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
      for (let i = 0; i < 150; i++) {
        const damaged = Uint8Array.from(bytes);
        // Flips where the structure is: the first and last 2 KiB (headers, pickle, zip directory).
        const region = next() % 2 === 0 ? next() % 2048 : bytes.length - 1 - (next() % 2048);
        damaged[region] ^= 1 << next() % 8;
        attempt(damaged, `${file} flip at ${region}`);
      }
      assert.ok(refused >= 150, `${file}: only ${refused} of 300 damaged copies were refused`);
    }
  });

  test('decodePth refuses bytes that are neither format', () => {
    assert.throws(() => decodePth(new Uint8Array([1, 2, 3, 4]), 'x.pth'), { name: 'CheckpointError', message: /^x\.pth is not a PyTorch \.pth file/ });
  });
});
