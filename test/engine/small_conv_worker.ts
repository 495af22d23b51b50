// Child of small_conv_path.test.ts: one small batch-1 3x3 convolution, forward and backward, so that oneDNN's
// verbose log (ONEDNN_VERBOSE=1, set by the test) shows which of its primitives ran.
import * as E from '../../src/engine/index.js';

E.setNumThreads(1);
E.tidy(() => {
  const x = E.randn([1, 16, 8, 8], { seed: 1 });
  const w = E.randn([16, 16, 3, 3], { seed: 2 });
  x.requiresGrad = true;
  w.requiresGrad = true;
  E.conv2d(x, w, null, { padding: 1 }).sum().backward();
  process.stdout.write(`grads ${x.grad ? 'x' : '-'}${w.grad ? 'w' : '-'}\n`);
});
