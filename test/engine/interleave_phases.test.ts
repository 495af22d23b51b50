// interleavePhases, the last step of the four-phase transposed convolution (src/engine/subpixel_transpose.ts):
// out[2m + a, 2j + b] = phases[2a + b][m, j] by its definition, with indices worked out here in plain JS, and its
// gradient the same map read backwards. The four-phase rewrite as a whole is held to PyTorch's conv_transpose2d
// in precision.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { interleavePhases } from '../../src/engine/layout_ops.js';
import { assertMemoryFlat } from '../helpers/memory_flat.js';

const [N, C, H, W] = [2, 3, 5, 7]; // odd sizes, so a row or plane offset off by one shows
const phaseSize = N * C * H * W;

// Distinct values, exact in float32: phase p, element e holds p * 1000 + e.
const phaseValues = (p: number) => Float64Array.from({ length: phaseSize }, (_, e) => p * 1000 + e);

function expectedOutput(): Float64Array {
  const out = new Float64Array(4 * phaseSize);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < 2 * H; y++) {
        for (let x = 0; x < 2 * W; x++) {
          const phase = 2 * (y % 2) + (x % 2);
          const source = ((n * C + c) * H + (y >> 1)) * W + (x >> 1);
          out[((n * C + c) * 2 * H + y) * 2 * W + x] = phase * 1000 + source;
        }
      }
    }
  }
  return out;
}

const cases = [
  ['float32', 'contiguous'],
  ['float32', 'channels_last'], // the generator's inner layers under bfloat16 convolutions
  ['float64', 'contiguous'],
] as const;
for (const [dtype, format] of cases) {
  for (const threads of [1, 2]) {
    test(`interleavePhases in ${dtype}, ${format}, on ${threads} thread(s): each output pixel from its phase, and the gradient split back`, () => {
      const before = E.getNumThreads();
      E.setNumThreads(threads);
      try {
        E.tidy(() => {
          const phases = [0, 1, 2, 3].map((p) => {
            const t = E.tensor(Array.from(phaseValues(p)), [N, C, H, W], { dtype }).contiguous(format);
            t.requiresGrad = true;
            return t;
          }) as [E.Tensor, E.Tensor, E.Tensor, E.Tensor];
          const out = interleavePhases(phases);
          assert.deepEqual(out.shape, [N, C, 2 * H, 2 * W]);
          if (dtype === 'float32') assert.ok(out.isContiguous(format), `the output is ${format}`);
          assert.deepEqual(Array.from(out.toFloat32()), Array.from(expectedOutput()));
          // d sum(out * up) / d phase_ab [m, j] = up[2m + a, 2j + b]: with up = the expected output itself, each
          // phase's gradient is that phase's own values.
          const up = E.tensor(Array.from(expectedOutput()), out.shape, { dtype }).contiguous(format);
          out.mul(up).sum().backward();
          phases.forEach((t, p) => assert.deepEqual(Array.from(t.grad!.toFloat32()), Array.from(phaseValues(p)), `gradient of phase ${p}`));
        });
      } finally {
        E.setNumThreads(before);
      }
    });
  }
}

test('interleavePhases takes non-contiguous phases and refuses mismatched ones with a clear message', () => {
  E.tidy(() => {
    const wide = E.tensor(Array.from(phaseValues(0)), [N, C, W, H]).transpose(2, 3); // [N, C, H, W], not contiguous
    const plain = E.tensor(Array.from(wide.contiguous().toFloat32()), [N, C, H, W]);
    const viaView = interleavePhases([wide, wide, wide, wide]).toFloat32();
    const viaCopy = interleavePhases([plain, plain, plain, plain]).toFloat32();
    assert.deepEqual(Array.from(viaView), Array.from(viaCopy));
    const other = E.zeros([N, C, H, W + 1]);
    assert.throws(() => interleavePhases([plain, plain, plain, other]), /interleavePhases.*every phase must have the shape/);
  });
});

test('interleavePhases forward and backward leave live tensors and RSS flat', () => {
  const phases = [0, 1, 2, 3].map(() => E.keep(E.randn([1, 16, 32, 32]))) as [E.Tensor, E.Tensor, E.Tensor, E.Tensor];
  for (const t of phases) t.requiresGrad = true;
  assertMemoryFlat(() =>
    E.tidy(() => {
      interleavePhases(phases).square().sum().backward();
      E.zeroGrad(phases);
    }),
  );
  for (const t of phases) t.dispose();
});
