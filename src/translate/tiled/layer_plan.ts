/**
 * Compiles an engine generator into a plan that tiled translation runs one step at a time over whole
 * stored activations ("slots"): convolutions (their padding made explicit), instance norms (which need
 * the statistics of the whole activation, so they only set a per-channel scale and shift applied when the
 * activation is next read), activations (also applied on read) and residual additions. Any network made of
 * these layers in this order works, not only ResnetGenerator; anything else is refused by name.
 */
import { Conv2d, ConvTranspose2d, InstanceNorm2d, Module, ReflectionPad2d, ReLU, Sequential, Tanh } from '../../engine/index.js';
import { ConfigError } from '../../errors.js';
import { ResnetBlock } from '../../model/resnet_generator.js';

export interface SlotShape {
  height: number;
  width: number;
  channels: number;
}

export type PlanStep =
  /** out = conv(pad(read(from))); `statistics`: accumulate per-channel mean/variance of `out` for a norm after it. */
  | { kind: 'conv'; layer: Conv2d; padding: { mode: 'reflect' | 'zero'; size: number }; from: number; to: number; statistics: boolean }
  | { kind: 'conv_transpose'; layer: ConvTranspose2d; from: number; to: number; statistics: boolean }
  /** From here on, `slot` reads as instance-normalised with its whole-activation statistics. */
  | { kind: 'norm'; slot: number; layer: InstanceNorm2d }
  | { kind: 'activation'; slot: number; fn: 'relu' | 'tanh' }
  /** into = read(into) + read(add), written back into `into`'s store. */
  | { kind: 'residual'; into: number; add: number }
  | { kind: 'free'; slot: number };

export interface LayerPlan {
  steps: PlanStep[];
  /** Shapes of every slot; slot 0 is the input image. */
  shapes: SlotShape[];
  output: number;
}

class Compiler {
  readonly steps: PlanStep[] = [];
  readonly shapes: SlotShape[] = [];
  /** Per slot: was a norm or activation already applied (they must come right after the conv, in that order)? */
  readonly transformed: ('none' | 'norm' | 'act')[] = [];

  slot(shape: SlotShape): number {
    this.shapes.push(shape);
    this.transformed.push('none');
    return this.shapes.length - 1;
  }

  /** Runs `layers` from slot `input`; frees the input after its first use unless `keepInput` (a residual's skip). */
  sequence(layers: readonly Module[], input: number, keepInput: boolean, where: string): number {
    let current = input;
    let pad: number | null = null;
    const consume = (next: number) => {
      if (current !== input || !keepInput) this.steps.push({ kind: 'free', slot: current });
      current = next;
    };
    layers.forEach((layer, i) => {
      const name = `${where}${i}`;
      const shape = this.shapes[current] as SlotShape;
      if (pad !== null && !(layer instanceof Conv2d)) throw unsupported(name, layer, 'a reflection pad must be followed by a convolution');
      if (layer instanceof ReflectionPad2d) {
        pad = layer.padding;
      } else if (layer instanceof Conv2d) {
        const own = layer.options.padding ?? 0;
        if (pad !== null && own !== 0) throw unsupported(name, layer, 'a convolution with its own padding after a reflection pad');
        if (layer.inChannels !== shape.channels) throw unsupported(name, layer, `expects ${layer.inChannels} input channels but gets ${shape.channels}`);
        const padding = pad !== null ? { mode: 'reflect' as const, size: pad } : { mode: 'zero' as const, size: own };
        if (padding.mode === 'reflect' && (padding.size >= shape.height || padding.size >= shape.width)) {
          throw new ConfigError(`Expected an image large enough for reflection padding ${padding.size} at layer ${name} but the activation there is ${shape.width}x${shape.height}; use a larger image`);
        }
        const stride = layer.options.stride ?? 1;
        const size = (n: number) => Math.floor((n + 2 * padding.size - layer.kernelSize) / stride) + 1;
        const out = this.slot({ height: size(shape.height), width: size(shape.width), channels: layer.outChannels });
        this.steps.push({ kind: 'conv', layer, padding, from: current, to: out, statistics: false });
        consume(out);
        pad = null;
      } else if (layer instanceof ConvTranspose2d) {
        if (layer.inChannels !== shape.channels) throw unsupported(name, layer, `expects ${layer.inChannels} input channels but gets ${shape.channels}`);
        const o = layer.options;
        const size = (n: number) => (n - 1) * (o.stride ?? 1) - 2 * (o.padding ?? 0) + layer.kernelSize + (o.outputPadding ?? 0);
        const out = this.slot({ height: size(shape.height), width: size(shape.width), channels: layer.outChannels });
        this.steps.push({ kind: 'conv_transpose', layer, from: current, to: out, statistics: false });
        consume(out);
      } else if (layer instanceof InstanceNorm2d) {
        const last = this.steps[this.steps.length - 2]; // the conv, then the free of its input
        const producer = last && (last.kind === 'conv' || last.kind === 'conv_transpose') && last.to === current ? last : this.steps.at(-1);
        if (!producer || (producer.kind !== 'conv' && producer.kind !== 'conv_transpose') || producer.to !== current || this.transformed[current] !== 'none') {
          throw unsupported(name, layer, 'an instance norm must follow a convolution directly');
        }
        producer.statistics = true;
        this.steps.push({ kind: 'norm', slot: current, layer });
        this.transformed[current] = 'norm';
      } else if (layer instanceof ReLU || layer instanceof Tanh) {
        if (this.transformed[current] === 'act') throw unsupported(name, layer, 'two activations in a row');
        this.steps.push({ kind: 'activation', slot: current, fn: layer instanceof ReLU ? 'relu' : 'tanh' });
        this.transformed[current] = 'act';
      } else if (layer instanceof ResnetBlock) {
        const branch = this.sequence(layer.convBlock.layers, current, true, `${name}.conv_block.`);
        const a = this.shapes[branch] as SlotShape;
        if (a.height !== shape.height || a.width !== shape.width || a.channels !== shape.channels) throw unsupported(name, layer, 'its branch changes the shape');
        this.steps.push({ kind: 'residual', into: current, add: branch }, { kind: 'free', slot: branch });
        this.transformed[current] = 'none';
      } else if (layer instanceof Sequential) {
        const out = this.sequence(layer.layers, current, current === input && keepInput, `${name}.`);
        current = out;
      } else {
        throw unsupported(name, layer, 'tiled translation knows Conv2d, ConvTranspose2d, InstanceNorm2d, ReflectionPad2d, ReLU, Tanh and ResnetBlock');
      }
    });
    if (pad !== null) throw new ConfigError(`Expected a convolution after the reflection pad at the end of ${where || 'the network'}`);
    return current;
  }
}

function unsupported(name: string, layer: Module, why: string): ConfigError {
  return new ConfigError(`Tiled translation cannot run layer ${name} (${layer.constructor.name}): ${why}. Translate without tiling (a smaller image or a larger --max_memory)`);
}

/** The plan for a network whose forward is `model` (a Sequential), on an image of `input` shape. */
export function compilePlan(model: Module, input: SlotShape): LayerPlan {
  const compiler = new Compiler();
  const first = compiler.slot(input);
  const layers = model instanceof Sequential ? model.layers : [model];
  const output = compiler.sequence(layers, first, false, '');
  return { steps: compiler.steps, shapes: compiler.shapes, output };
}
