/**
 * Lowers a module tree to a small, framework-neutral list of layers with their weights on the host.
 * The ONNX and TensorFlow writers both read this list, so each only knows how to spell a layer in its
 * format, and neither needs to know how our modules are nested: leaf layers are known by their engine
 * class, and composite modules say how they combine their children (Module.structure(): in sequence,
 * x + body(x), or cat([x, body(x)])), so a new network exports without a case here. The graph is
 * the eval-mode one: BatchNorm becomes a per-channel scale and shift, Dropout and Identity vanish. Names are the modules' state_dict
 * paths ("model.10.conv_block.1"), so exported weights can be traced back to checkpoint entries.
 */
import { BatchNorm2d, Conv2d, ConvTranspose2d, Dropout, Identity, InstanceNorm2d, LeakyReLU, ReflectionPad2d, ReLU, Tanh, ZeroPad2d, type Module } from '../engine/index.js';
import { ExportError } from '../errors.js';

export interface ConvLayer {
  kind: 'conv';
  name: string;
  /** [out, in, kh, kw], PyTorch's Conv2d layout. */
  shape: [number, number, number, number];
  weight: Float32Array;
  bias: Float32Array | null;
  stride: number;
  /** Zero padding on every side. */
  padding: number;
}

export interface ConvTransposeLayer {
  kind: 'convTranspose';
  name: string;
  /** [in, out, kh, kw], PyTorch's ConvTranspose2d layout. */
  shape: [number, number, number, number];
  weight: Float32Array;
  bias: Float32Array | null;
  stride: number;
  padding: number;
  outputPadding: number;
}

export interface InstanceNormLayer {
  kind: 'instanceNorm';
  name: string;
  channels: number;
  eps: number;
  /** Per-channel affine, or null when the norm has none (the CycleGAN default). */
  scale: Float32Array | null;
  bias: Float32Array | null;
}

export interface PadLayer {
  kind: 'pad';
  name: string;
  mode: 'reflect' | 'constant';
  /** The same padding on all four sides of H and W. */
  padding: number;
}

export interface ActivationLayer {
  kind: 'relu' | 'tanh';
  name: string;
}

export interface LeakyReluLayer {
  kind: 'leakyRelu';
  name: string;
  slope: number;
}

/** `x + body(x)`. */
export interface ResidualLayer {
  kind: 'residual';
  name: string;
  body: Layer[];
}

/** `cat([x, body(x)], channels)`: a U-Net level's skip connection. */
export interface ConcatSkipLayer {
  kind: 'concatSkip';
  name: string;
  body: Layer[];
}

/** `x * scale + shift` per channel: BatchNorm2d in eval mode, folded. */
export interface ChannelAffineLayer {
  kind: 'channelAffine';
  name: string;
  scale: Float32Array;
  shift: Float32Array;
}

export type Layer = ConvLayer | ConvTransposeLayer | InstanceNormLayer | PadLayer | ActivationLayer | LeakyReluLayer | ResidualLayer | ConcatSkipLayer | ChannelAffineLayer;

export interface LayerGraph {
  /** The class of the root module, used as the graph's name. */
  name: string;
  inChannels: number;
  outChannels: number;
  layers: Layer[];
}

const SUPPORTED = 'modules that describe their structure() (Sequential, the generators and their blocks), Conv2d, ConvTranspose2d, InstanceNorm2d, BatchNorm2d, ReflectionPad2d, ZeroPad2d, ReLU, LeakyReLU, Tanh, Dropout and Identity';

function squareKernel(name: string, shape: number[]): [number, number, number, number] {
  const [a, b, kh, kw] = shape;
  if (shape.length !== 4 || kh !== kw) throw new ExportError(`cannot export ${name}: expected a 4-D weight with a square kernel but received shape [${shape}]`);
  return [a, b, kh, kw];
}

/** One module and its descendants, in forward order. */
function lower(module: Module, name: string): Layer[] {
  const at = (child: string): string => (name ? `${name}.${child}` : child);
  const structure = module.structure();
  if (structure) {
    const all = (parts: [string, Module][]) => parts.flatMap(([child, m]) => lower(m, child ? at(child) : name));
    if (structure.kind === 'sequence') return all(structure.parts);
    return [{ kind: structure.kind, name, body: all(structure.body) }];
  }
  if (module instanceof Dropout || module instanceof Identity) return [];
  if (module instanceof BatchNorm2d) {
    const mean = module.runningMean.toFloat32();
    const variance = module.runningVar.toFloat32();
    const weight = module.weight.toFloat32();
    const bias = module.bias.toFloat32();
    const scale = weight.map((w, c) => w / Math.sqrt(variance[c] + module.eps));
    return [{ kind: 'channelAffine', name, scale, shift: bias.map((b, c) => b - mean[c] * scale[c]) }];
  }
  if (module instanceof Conv2d) {
    const o = module.options;
    return [
      {
        kind: 'conv',
        name,
        shape: squareKernel(name, module.weight.shape),
        weight: module.weight.toFloat32(),
        bias: module.bias?.toFloat32() ?? null,
        stride: o.stride ?? 1,
        padding: o.padding ?? 0,
      },
    ];
  }
  if (module instanceof ConvTranspose2d) {
    const o = module.options;
    return [
      {
        kind: 'convTranspose',
        name,
        shape: squareKernel(name, module.weight.shape),
        weight: module.weight.toFloat32(),
        bias: module.bias?.toFloat32() ?? null,
        stride: o.stride ?? 1,
        padding: o.padding ?? 0,
        outputPadding: o.outputPadding ?? 0,
      },
    ];
  }
  if (module instanceof InstanceNorm2d) {
    return [
      {
        kind: 'instanceNorm',
        name,
        channels: module.numFeatures,
        eps: module.options.eps ?? 1e-5,
        scale: module.weight?.toFloat32() ?? null,
        bias: module.bias?.toFloat32() ?? null,
      },
    ];
  }
  if (module instanceof ReflectionPad2d) return [{ kind: 'pad', name, mode: 'reflect', padding: module.padding }];
  if (module instanceof ZeroPad2d) return [{ kind: 'pad', name, mode: 'constant', padding: module.padding }];
  if (module instanceof ReLU) return [{ kind: 'relu', name }];
  if (module instanceof Tanh) return [{ kind: 'tanh', name }];
  if (module instanceof LeakyReLU) return [{ kind: 'leakyRelu', name, slope: module.negativeSlope }];
  throw new ExportError(
    `cannot export ${name ? `layer '${name}'` : 'the root module'} (${module.constructor.name}): it has no ONNX or TensorFlow translation. ` +
      `Supported layers: ${SUPPORTED}; give a composite module a structure(), or add a leaf case to src/export/layer_graph.ts and both writers.`,
  );
}

function weighted(layers: readonly Layer[]): (ConvLayer | ConvTransposeLayer)[] {
  return layers.flatMap((l) => (l.kind === 'residual' || l.kind === 'concatSkip' ? weighted(l.body) : l.kind === 'conv' || l.kind === 'convTranspose' ? [l] : []));
}

/** Walks `root` (a generator, or any tree of the supported layers) into a LayerGraph. */
export function lowerModule(root: Module): LayerGraph {
  const layers = lower(root, '');
  const convs = weighted(layers);
  if (convs.length === 0) throw new ExportError(`cannot export ${root.constructor.name}: it has no convolution, so its input and output channels are unknown`);
  const first = convs[0];
  const last = convs[convs.length - 1];
  return {
    name: root.constructor.name,
    inChannels: first.kind === 'conv' ? first.shape[1] : first.shape[0],
    outChannels: last.kind === 'conv' ? last.shape[0] : last.shape[1],
    layers,
  };
}
