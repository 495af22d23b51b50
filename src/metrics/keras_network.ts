/**
 * Runs a Keras functional model (the layer graph of a tfjs-layers model.json) on our engine, in
 * NCHW float32. Covers the layers of Keras' InceptionV3 up to its last block: Conv2D,
 * BatchNormalization (folded into the convolution before it, once at load), Activation,
 * Max/AveragePooling2D and Concatenate. TensorFlow's SAME padding is reproduced exactly:
 * asymmetric padding goes before the convolution, and SAME average pooling divides by the number
 * of in-bounds pixels (PyTorch's count_include_pad=False).
 */
import { avgPool2d, cat, conv2d, keep, maxPool2d, noGrad, pad2d, tensor, tidy, type Tensor } from '../engine/index.js';
import { CheckpointError } from '../errors.js';
import type { LiteralValue } from './js_literal.js';
import type { KerasLayer, KerasModel } from './nsfwjs_weights.js';

type Step = (inputs: Tensor[]) => Tensor;

const pairOf = (v: LiteralValue | undefined, what: string, layer: string): [number, number] => {
  if (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)) return [v[0] as number, v[1] as number];
  throw new CheckpointError(`layer ${layer}: expected ${what} as two positive integers but found ${JSON.stringify(v)}`);
};

/** TensorFlow's SAME padding along one axis: [before, after]. */
function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export class KerasNetwork {
  readonly #steps = new Map<string, { inputs: string[]; run: Step }>();
  readonly #tensors: Tensor[] = [];
  readonly #input: string;

  constructor(model: KerasModel, device = 'cpu') {
    const consumers = new Map<string, number>();
    for (const l of model.layers) for (const i of l.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
    const byName = new Map(model.layers.map((l) => [l.name, l]));
    const input = model.layers.find((l) => l.className === 'InputLayer');
    if (!input) throw new CheckpointError('the model has no InputLayer');
    this.#input = input.name;
    const folded = new Set<string>();
    noGrad(() => {
      for (const layer of model.layers) {
        if (layer.className === 'InputLayer') continue;
        // A batch norm that is the only consumer of a convolution is folded into it.
        const next = model.layers.find((l) => l.inputs.length === 1 && l.inputs[0] === layer.name);
        const fold = layer.className === 'Conv2D' && consumers.get(layer.name) === 1 && next?.className === 'BatchNormalization' ? next : undefined;
        if (fold) folded.add(fold.name);
        const run = folded.has(layer.name) ? (xs: Tensor[]) => xs[0] as Tensor : this.#build(layer, model, device, fold);
        this.#steps.set(layer.name, { inputs: layer.inputs, run });
        for (const i of layer.inputs) if (!byName.has(i)) throw new CheckpointError(`layer ${layer.name}: its input ${i} is not a layer of the model`);
      }
    });
  }

  #weight(model: KerasModel, name: string, device: string, shape?: number[]): Tensor {
    const w = model.weights.get(name);
    if (!w) throw new CheckpointError(`the model has no weight ${name}`);
    if (shape && w.shape.join() !== shape.join()) throw new CheckpointError(`weight ${name}: expected shape [${shape.join(', ')}] but found [${w.shape.join(', ')}]`);
    return tensor(w.values, w.shape, { device });
  }

  #keep(t: Tensor): Tensor {
    keep(t);
    this.#tensors.push(t);
    return t;
  }

  /** Per-channel scale and shift of a batch norm in inference mode. */
  #affine(bn: KerasLayer, model: KerasModel, device: string, channels: number): { scale: Tensor; shift: Tensor } {
    const eps = typeof bn.config.epsilon === 'number' ? bn.config.epsilon : 1e-3;
    const w = (k: string) => this.#weight(model, `${bn.name}/${k}`, device, [channels]);
    const gamma = bn.config.scale === false ? null : w('gamma');
    const beta = bn.config.center === false ? null : w('beta');
    const invStd = w('moving_variance').add(eps).rsqrt();
    const scale = gamma ? invStd.mul(gamma) : invStd;
    const shift = w('moving_mean').mul(scale).neg();
    return { scale, shift: beta ? shift.add(beta) : shift };
  }

  #build(layer: KerasLayer, model: KerasModel, device: string, fold: KerasLayer | undefined): Step {
    const c = layer.config;
    const name = layer.name;
    switch (layer.className) {
      case 'Conv2D': {
        const [kh, kw] = pairOf(c.kernel_size, 'kernel_size', name);
        const stride = pairOf(c.strides, 'strides', name);
        const dilation = pairOf(c.dilation_rate ?? [1, 1], 'dilation_rate', name);
        if (c.data_format !== 'channels_last' || (c.activation !== 'linear' && c.activation !== 'relu')) {
          throw new CheckpointError(`layer ${name}: only channels_last convolutions with linear or relu activation are supported`);
        }
        const kernel = this.#weight(model, `${name}/kernel`, device);
        const out = kernel.shape[3] as number;
        const { weight, bias } = tidy(() => {
          let weight = kernel.permute([3, 2, 0, 1]).contiguous();
          let bias: Tensor | null = c.use_bias === true ? this.#weight(model, `${name}/bias`, device, [out]) : null;
          if (fold) {
            const { scale, shift } = this.#affine(fold, model, device, out);
            weight = weight.mul(scale.reshape([out, 1, 1, 1]));
            bias = bias ? bias.mul(scale).add(shift) : shift;
          }
          return { weight, bias };
        });
        kernel.dispose();
        this.#keep(weight);
        if (bias) this.#keep(bias);
        const same = c.padding === 'same';
        const relu = c.activation === 'relu';
        return ([x]) => {
          const [h, w] = [x!.shape[2] as number, x!.shape[3] as number];
          let input = x!;
          let padding: [number, number] = [0, 0];
          if (same) {
            const [top, bottom] = samePadding(h, kh, stride[0], dilation[0]);
            const [left, right] = samePadding(w, kw, stride[1], dilation[1]);
            if (top === bottom && left === right) padding = [top, left];
            else input = pad2d(x!, [left, right, top, bottom]);
          }
          const y = conv2d(input, weight, bias, { stride, padding, dilation });
          return relu ? y.relu() : y;
        };
      }
      case 'BatchNormalization': {
        if (c.axis !== 3 && c.axis !== -1) throw new CheckpointError(`layer ${name}: only batch norm over the channel axis is supported`);
        const channels = model.weights.get(`${name}/moving_mean`)?.shape[0] ?? 0;
        const { scale, shift } = tidy(() => this.#affine(layer, model, device, channels));
        const s = this.#keep(scale.reshape([1, channels, 1, 1]));
        const b = this.#keep(shift.reshape([1, channels, 1, 1]));
        scale.dispose();
        shift.dispose();
        return ([x]) => x!.mul(s).add(b);
      }
      case 'Activation':
        if (c.activation === 'relu') return ([x]) => x!.relu();
        if (c.activation === 'linear') return ([x]) => x!;
        throw new CheckpointError(`layer ${name}: activation ${String(c.activation)} is not supported (relu, linear)`);
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const kernel = pairOf(c.pool_size, 'pool_size', name);
        const stride = pairOf(c.strides ?? c.pool_size, 'strides', name);
        const same = c.padding === 'same';
        const max = layer.className === 'MaxPooling2D';
        return ([x]) => {
          let padding: [number, number] = [0, 0];
          if (same) {
            const [top, bottom] = samePadding(x!.shape[2] as number, kernel[0], stride[0]);
            const [left, right] = samePadding(x!.shape[3] as number, kernel[1], stride[1]);
            if (top !== bottom || left !== right) throw new CheckpointError(`layer ${name}: asymmetric SAME pooling is not supported`);
            padding = [top, left];
          }
          return max ? maxPool2d(x!, kernel, { stride, padding }) : avgPool2d(x!, kernel, { stride, padding, countIncludePad: false });
        };
      }
      case 'Concatenate':
        if (c.axis !== 3 && c.axis !== -1) throw new CheckpointError(`layer ${name}: only concatenation along channels is supported`);
        return (xs) => cat(xs, 1);
      default:
        return () => {
          throw new CheckpointError(`layer ${name}: ${layer.className} layers are not supported by the feature extractor`);
        };
    }
  }

  /** Runs the graph on x (NCHW float32) and returns the named layers' outputs; intermediates are disposed. */
  forward(x: Tensor, outputs: readonly string[]): Tensor[] {
    for (const o of outputs) if (!this.#steps.has(o)) throw new CheckpointError(`the model has no layer named ${o}`);
    return noGrad(() =>
      tidy(() => {
        const values = new Map<string, Tensor>([[this.#input, x]]);
        const evaluate = (name: string): Tensor => {
          const known = values.get(name);
          if (known) return known;
          // Recursion depth is at most the number of layers (about 300 for InceptionV3).
          const step = this.#steps.get(name);
          if (!step) throw new CheckpointError(`the model has no layer named ${name}`);
          const y = step.run(step.inputs.map(evaluate));
          values.set(name, y);
          return y;
        };
        return outputs.map(evaluate);
      }),
    );
  }

  dispose(): void {
    for (const t of this.#tensors) t.dispose();
    this.#tensors.length = 0;
  }
}
