/**
 * One low-precision copy of each weight per phase, shared by every convolution that uses it.
 *
 * A CycleGAN step runs each generator three times (translation, cycle, identity) and each
 * discriminator twice. Casting the weight at every call made three bfloat16 copies of it, and
 * autograd kept all three until backward: at 128 px that put bf16 peak RSS 6% above PyTorch's
 * float32 step. Inside `withWeightCasts(fn)` the first cast of a weight is kept and reused, so
 * backward holds one copy and gradients from all uses meet at the single cast.
 *
 * The addon does the same for the layouts its direct oneDNN bfloat16 convolutions convert weights into (checking
 * each weight's version counter, so an in-place update within the scope is seen).
 *
 * A cached cast is a snapshot: call this per phase (forward and backward of one optimizer's loss)
 * and never across an optimizer step or a change of requiresGrad, or later calls would see stale values.
 */
import { native } from './native.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** Per weight, its casts by kind (a dtype and layout, a transposed convolution's phase kernel). */
let active: Map<Tensor, Map<string, Tensor>> | null = null;

/** Runs `fn` with weight casts shared; they are released when it returns. Nested calls share the outer cache. */
export function withWeightCasts<R>(fn: () => R): R {
  if (active) return fn();
  const casts = new Map<Tensor, Map<string, Tensor>>();
  active = casts;
  // The addon keeps its own bfloat16 conversions of weights into oneDNN's layouts for the same span (native/onednn_conv.h).
  native().beginWeightCache();
  try {
    return fn();
  } finally {
    active = null;
    native().endWeightCache();
    for (const kinds of casts.values()) for (const t of kinds.values()) t.dispose();
  }
}

/**
 * `cast(weight)`, or the copy of the same `kind` made earlier in the same `withWeightCasts` scope. Callers must not
 * dispose it when cached. `kind` tells apart different casts of one weight.
 */
export function castWeight(weight: Tensor, cast: (w: Tensor) => Tensor, kind = 'bfloat16'): { value: Tensor; shared: boolean } {
  if (!active) return { value: cast(weight), shared: false };
  let kinds = active.get(weight);
  if (!kinds) {
    kinds = new Map();
    active.set(weight, kinds);
  }
  let value = kinds.get(kind);
  if (!value) {
    // Outside any tidy scope: the cache, not the enclosing tidy, decides when the copy is freed.
    value = keep(cast(weight));
    kinds.set(kind, value);
  }
  return { value, shared: true };
}
