/**
 * The one rule by which sequences of layers release memory (Sequential.forward, and the inference views
 * of fused_forward.ts).
 *
 * Each intermediate, the output of one step, is released as soon as the next step has returned: autograd
 * holds its own reference to whatever backward needs, so keeping intermediates until a tidy scope around
 * the whole training step ends would hold every activation of the network alive (measured: 2.3x the
 * memory in bf16).
 *
 * Never released here:
 * - the sequence's input: its caller owns it. This is what keeps skip connections sound: a ResNet block
 *   adds x to body(x) after the body ran, and a U-Net level concatenates its input with body(input);
 * - the final output: it is returned, and the caller owns it;
 * - an output that is the very tensor the step was given (a step that passes its input through): it is
 *   released later, as the next step's input, exactly once.
 *
 * So a step must hand back a tensor the caller may release: never one it keeps elsewhere (a parameter, a
 * cache). Identity and Dropout in eval mode return a copy of their input for that reason.
 */
import type { Tensor } from '../tensor.js';

/** Anything with a forward: a Module, or one step of an inference view. */
export interface Step {
  forward(x: Tensor): Tensor;
}

/** `steps` applied in order to `x`, releasing intermediates by the rule above. */
export function runInOrder(steps: readonly Step[], x: Tensor): Tensor {
  let out = x;
  for (const step of steps) {
    const next = step.forward(out);
    if (out !== x && next !== out) out.dispose();
    out = next;
  }
  return out;
}
