/** Pooling ops (torch.nn.functional.max_pool2d / avg_pool2d), used by the metrics' feature extractors. */
import { native } from './native.js';
import { run, Tensor } from './tensor.js';

const pair = (v: number | [number, number]): number[] => (typeof v === 'number' ? [v, v] : [...v]);

export interface Pool2dOptions {
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: number | [number, number];
  padding?: number | [number, number];
}

export function maxPool2d(x: Tensor, kernel: number | [number, number], o: Pool2dOptions = {}): Tensor {
  return new Tensor(run('max_pool2d', [x], () => native().maxPool2d(x.handle, pair(kernel), pair(o.stride ?? kernel), pair(o.padding ?? 0))));
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Whether padded pixels count in the divisor; TensorFlow's SAME pooling does not count them. Default true (PyTorch's). */
  countIncludePad?: boolean;
}

export function avgPool2d(x: Tensor, kernel: number | [number, number], o: AvgPool2dOptions = {}): Tensor {
  return new Tensor(
    run('avg_pool2d', [x], () => native().avgPool2d(x.handle, pair(kernel), pair(o.stride ?? kernel), pair(o.padding ?? 0), o.countIncludePad ?? true)),
  );
}
