/**
 * Module: a tree of named parameters and child modules, named with dotted paths exactly like
 * PyTorch's state_dict ("model.10.conv_block.1.weight"), so reference weights map one to one.
 */
import { CheckpointError } from '../../errors.js';
import { copyInto, fillInto, moveInto, normalInit } from '../runtime.js';
import { keep } from '../scope.js';
import type { Tensor } from '../tensor.js';

/** Children by their state_dict names relative to the module ("model", "conv_block", "model.1"). */
export type NamedModules = [string, Module][];

/**
 * The ways composite modules combine children: in sequence, x + body(x) (ResNet blocks), or
 * cat([x, body(x)], channels) (U-Net levels).
 */
export type Structure = { kind: 'sequence'; parts: NamedModules } | { kind: 'residual'; body: NamedModules } | { kind: 'concatSkip'; body: NamedModules };

export abstract class Module {
  training = true;
  readonly #parameters = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();
  /** Non-trainable state saved with the weights (BatchNorm's running statistics), like PyTorch's buffers. */
  readonly #buffers = new Map<string, Tensor>();

  abstract forward(x: Tensor): Tensor;

  /**
   * How forward combines the children, for exporters and other graph walkers: null for a leaf layer
   * (the walker knows it by its class) and for modules that say nothing (the walker refuses them).
   */
  structure(): Structure | null {
    return null;
  }

  /** Registers a leaf tensor as a trainable parameter; it lives until the module is disposed. */
  protected registerParameter(name: string, value: Tensor): Tensor {
    keep(value);
    value.requiresGrad = true;
    this.#parameters.set(name, value);
    return value;
  }

  /** Registers a tensor that is saved and loaded with the parameters but never trained. */
  protected registerBuffer(name: string, value: Tensor): Tensor {
    keep(value);
    this.#buffers.set(name, value);
    return value;
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.#children.set(name, module);
    return module;
  }

  children(): [string, Module][] {
    return [...this.#children];
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#parameters].map(([n, t]) => [prefix + n, t]);
    for (const [name, child] of this.#children) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every buffer, named like namedParameters. */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [...this.#buffers].map(([n, t]) => [prefix + n, t]);
    for (const [name, child] of this.#children) out.push(...child.namedBuffers(`${prefix}${name}.`));
    return out;
  }

  /** Parameters then buffers: what PyTorch's state_dict() holds (its order differs; names match). */
  namedState(prefix = ''): [string, Tensor][] {
    return [...this.namedParameters(prefix), ...this.namedBuffers(prefix)];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Every module in the tree, this one first. */
  modules(): Module[] {
    return [this, ...[...this.#children.values()].flatMap((c) => c.modules())];
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter, like set_requires_grad in the reference. */
  setRequiresGrad(flag: boolean): void {
    for (const p of this.parameters()) p.requiresGrad = flag;
  }

  /** Copies values in by name; every parameter and buffer must be present with the same shape. */
  loadStateDict(values: ReadonlyMap<string, Tensor>, source = 'state dict'): void {
    const own = this.namedState();
    const missing = own.filter(([n]) => !values.has(n)).map(([n]) => n);
    const known = new Set(own.map(([n]) => n));
    const unexpected = [...values.keys()].filter((n) => !known.has(n));
    if (missing.length || unexpected.length) {
      throw new CheckpointError(
        `${source} does not fit this network: ${missing.length ? `missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.slice(0, 5).join(', ')}` : ''}. Check that netG/netD/norm/no_dropout/ngf/ndf/n_blocks/image_channel match the ones it was trained with.`,
      );
    }
    for (const [name, param] of own) {
      const value = values.get(name)!;
      if (value.shape.join() !== param.shape.join()) {
        throw new CheckpointError(`${source}: ${name} has shape [${value.shape}] but the network expects [${param.shape}]. Check ngf/ndf/image_channel.`);
      }
      if (value.dtype !== param.dtype) {
        const cast = value.to({ dtype: param.dtype });
        copyInto(param, cast);
        cast.dispose();
      } else copyInto(param, value);
    }
  }

  /** Initialises conv weights with normal(0, std) and biases with 0, as the reference's init_weights('normal'). */
  initNormal(std = 0.02): void {
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith('bias')) fillInto(p, 0);
      else normalInit(p, 0, std);
    }
  }

  /** Moves every parameter to `device` ('cpu', 'cuda', 'cuda:1'), in place, like PyTorch's module.to(device). */
  to(device: string): this {
    for (const [, p] of this.namedState()) moveInto(p, device);
    return this;
  }

  dispose(): void {
    for (const [, p] of this.namedState()) p.dispose();
  }
}
