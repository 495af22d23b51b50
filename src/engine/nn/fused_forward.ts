/**
 * The fused forward. fusedForward(net) returns how to run `net` with each affine-free InstanceNorm2d and
 * the ReLU and ReflectionPad2d after it (either may be absent) run as one pass over memory
 * (instanceNormReluPad, native/ops_fused_norm.cc), and its backward as one pass too when gradients are on.
 * Translation uses it (the generator's forward at 256 px went from 435 to 402 ms), and so does the
 * ResNet generator's own forward in training. Nothing fuses unless asked for here.
 *
 * The pass reads the network's structure() once, as the exporters do (in sequence, x + body(x), or
 * cat([x, body(x)])), and fuses within each sequence. The result holds the network's own layers and
 * parameters, not copies: it follows later weight updates and train/eval mode (set them on `net`), and
 * owns nothing to dispose. A module that describes no structure runs its own forward. Where the fused
 * op does not apply at run time (not a float32 4-D tensor on the CPU) the layers run one by one.
 * Intermediates are released by the rule of run_in_order.ts, as in Sequential.
 */
import { instanceNormReluPad } from '../functional.js';
import { cat } from '../layout_ops.js';
import type { Tensor } from '../tensor.js';
import { InstanceNorm2d, ReflectionPad2d, ReLU } from './layers.js';
import type { Module, NamedModules } from './module.js';
import { runInOrder, type Step } from './run_in_order.js';

/** A network's forward with its norm runs fused. */
export type FusedForward = (x: Tensor) => Tensor;

export function fusedForward(net: Module): FusedForward {
  const step = lower(net);
  return (x) => step.forward(x);
}

/** The same for a run of a sequence's parts (a network's structure().parts, sliced). */
export function fusedSequence(parts: NamedModules): FusedForward {
  const step = sequence(parts);
  return (x) => step.forward(x);
}

function lower(module: Module): Step {
  const structure = module.structure();
  if (!structure) return module;
  if (structure.kind === 'sequence') return sequence(structure.parts);
  const body = sequence(structure.body);
  const join = structure.kind === 'residual' ? (x: Tensor, inner: Tensor) => x.add(inner) : (x: Tensor, inner: Tensor) => cat([x, inner], 1);
  return {
    forward(x) {
      // x is the caller's (run_in_order.ts); only the body's output is ours to release.
      const inner = body.forward(x);
      const out = join(x, inner);
      inner.dispose();
      return out;
    },
  };
}

/** The parts in order, each norm [+ ReLU] [+ reflection pad] run as one fused step. */
function sequence(parts: NamedModules): Step {
  const layers = parts.map(([, m]) => m);
  const steps: Step[] = [];
  for (let i = 0; i < layers.length; ) {
    const norm = layers[i];
    if (norm instanceof InstanceNorm2d && !norm.weight) {
      const relu = layers[i + 1] instanceof ReLU ? (layers[i + 1] as ReLU) : null;
      const next = i + 1 + (relu ? 1 : 0);
      const pad = layers[next] instanceof ReflectionPad2d ? (layers[next] as ReflectionPad2d) : null;
      steps.push(fusedNorm(norm, relu, pad));
      i = next + (pad ? 1 : 0);
    } else {
      steps.push(lower(layers[i] as Module));
      i++;
    }
  }
  return steps.length === 1 ? (steps[0] as Step) : { forward: (x) => runInOrder(steps, x) };
}

function fusedNorm(norm: InstanceNorm2d, relu: ReLU | null, pad: ReflectionPad2d | null): Step {
  const unfused: Step[] = [norm, ...(relu ? [relu] : []), ...(pad ? [pad] : [])];
  return {
    forward(x) {
      if (x.device !== 'cpu' || x.dtype !== 'float32' || x.shape.length !== 4) return runInOrder(unfused, x);
      // Reflection needs a pad smaller than the image; a larger one is left to the layer (and its error).
      const fits = pad !== null && pad.padding < Math.min(x.shape[2] as number, x.shape[3] as number);
      const out = instanceNormReluPad(x, { eps: norm.options.eps ?? 1e-5, relu: relu !== null, pad: fits ? pad.padding : 0 });
      if (!pad || fits) return out;
      const padded = pad.forward(out);
      out.dispose();
      return padded;
    },
  };
}
