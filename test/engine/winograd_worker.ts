// Child of winograd_conv.test.ts: runs the convolution named on the command line forward and backward, so that
// oneDNN's verbose log (ONEDNN_VERBOSE=1, set by the test) shows which kernels ran.
import * as E from '../../src/engine/index.js';

const [channels, outputSide] = process.argv.slice(2).map(Number) as [number, number];
E.setNumThreads(1);
E.tidy(() => {
  const x = E.randn([1, channels, outputSide + 2, outputSide + 2], { seed: 1 });
  const w = E.randn([channels, channels, 3, 3], { seed: 2 });
  x.requiresGrad = true;
  w.requiresGrad = true;
  E.conv2d(x, w).sum().backward();
  process.stdout.write(`grads ${x.grad ? 'x' : '-'}${w.grad ? 'w' : '-'} winograd ${JSON.stringify(E.winograd())}\n`);
});
