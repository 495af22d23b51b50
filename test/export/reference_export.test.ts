// Weights out, and every reference generator through every format: a reference .pth loaded here and
// written back as .pth loads in PyTorch (torch.load + load_state_dict, strict) and translates the same;
// the same generator exported as .onnx and .pb, and predicted from .pth, matches PyTorch's output.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { exportGenerator } from '../../src/export/index.js';
import { loadGenerator } from '../../src/io/checkpoint.js';
import { decodePth } from '../../src/io/pth_read.js';
import { encodePth, writePth } from '../../src/io/pth_write.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { toStoredMap } from '../../src/io/tensor_store.js';
import { loadModel } from '../../src/predict/predict.js';
import { assertClose } from '../helpers/assert_close.js';
import { runReference, tempDir } from '../helpers/reference.js';

const CASES = [
  { netG: 'resnet_2', norm: 'instance', size: 32 },
  { netG: 'resnet_2', norm: 'batch', size: 32 },
  { netG: 'unet_128', norm: 'batch', size: 128 },
  { netG: 'unet_128', norm: 'instance', size: 128 },
] as const;

for (const c of CASES) {
  describe(`reference ${c.netG} with ${c.norm} norm, out and back`, () => {
    let dir: string;
    let input: { data: Float32Array; shape: [number, number, number, number] };
    let expected: Float32Array;
    before(() => {
      dir = tempDir();
      runReference('pth_files.py', ['generator', dir, '--netG', c.netG, '--norm', c.norm, '--size', String(c.size), '--ngf', '4']);
      const io = readSafetensors(join(dir, 'io.safetensors')).tensors;
      input = { data: io.get('input')!.data as Float32Array, shape: io.get('input')!.shape as [number, number, number, number] };
      expected = io.get('output')!.data as Float32Array;
    });

    test('written as .pth here, it loads in PyTorch (strict) and translates the same', () => {
      const { net } = loadGenerator(join(dir, 'g_zip.pth'));
      const out = join(dir, 'ours.pth');
      writePth(out, toStoredMap(net.namedState()));
      net.dispose();
      const result = join(dir, 'torch_out.safetensors');
      runReference('pth_files.py', ['load', result, '--pth', out, '--io', join(dir, 'io.safetensors'), '--netG', c.netG, '--norm', c.norm, '--ngf', '4']);
      assertClose(readSafetensors(result).tensors.get('output')!.data as Float32Array, expected, 'PyTorch on our .pth', 0, 1e-6);
    });

    for (const format of ['onnx', 'pb'] as const) {
      test(`exported as .${format}, it predicts as PyTorch does`, async () => {
        const { net } = loadGenerator(join(dir, 'g_legacy.pth'));
        const file = join(dir, `g.${format}`);
        exportGenerator(net, format, file);
        net.dispose();
        const model = await loadModel(file, resolveParameters({ threads: 1 }));
        try {
          assertClose(await model.translator.translate(input.data, input.shape), expected, `.${format} output`, 0, 1e-4);
        } finally {
          model.translator.dispose();
        }
      });
    }

    test('predict loads the .pth itself', async () => {
      const model = await loadModel(join(dir, 'g_zip.pth'), resolveParameters({ threads: 1 }));
      try {
        assertClose(await model.translator.translate(input.data, input.shape), expected, '.pth output', 0, 1e-5);
      } finally {
        model.translator.dispose();
      }
    });
  });
}

test('the .pth writer is deterministic and round-trips through our reader', () => {
  const tensors = new Map([
    ['a.weight', { dtype: 'F32' as const, shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ['a.num_batches_tracked', { dtype: 'I64' as const, shape: [], data: BigInt64Array.of(7n) }],
  ]);
  const bytes = encodePth(tensors);
  assert.deepEqual(bytes, encodePth(tensors));
  const dir = tempDir();
  writePth(join(dir, 'x.pth'), tensors);
  assert.deepEqual(readFileSync(join(dir, 'x.pth')), Buffer.from(bytes));
  const back = decodePth(bytes, 'x.pth');
  assert.deepEqual([...back.keys()], ['a.weight', 'a.num_batches_tracked']);
  assert.deepEqual(back.get('a.weight'), tensors.get('a.weight'));
  assert.deepEqual(back.get('a.num_batches_tracked'), tensors.get('a.num_batches_tracked'));
});
