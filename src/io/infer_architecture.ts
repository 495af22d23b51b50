/**
 * Tells which generator a foreign state_dict (a reference `.pth`, or safetensors with the reference's
 * names and no cyclegan metadata) holds, from its names and shapes alone where they say it:
 *
 *   ResNet   model.1.weight [ngf, C, 7, 7]; blocks model.N.conv_block.*; dropout when conv_block.6 exists
 *   U-Net    model.model.0.weight [ngf, C, 4, 4]; depth = nesting of model.model.1.model.3.model.3...;
 *            dropout has no parameters, so it comes from the flags
 *   norm     BatchNorm leaves running_mean next to a weight; instance norm leaves no parameter but the
 *            convs keep their bias; none leaves neither
 *
 * What the names cannot say comes from the flags in `fallback`.
 * Keys the reference's __patch_instance_norm_state_dict drops (running_mean, running_var and
 * num_batches_tracked of InstanceNorm layers, left by PyTorch before 0.4) are dropped here too.
 */
import { CheckpointError } from '../errors.js';
import type { GeneratorSpec, NetG } from '../model/networks.js';
import type { NormType } from '../model/norm_layer.js';

export interface Shaped {
  shape: number[];
}

const STALE_INSTANCE_NORM = /\.(running_mean|running_var|num_batches_tracked)$/;

/** Strips a DataParallel "module." prefix, as the reference does when it saves. */
function unwrap<T>(tensors: ReadonlyMap<string, T>): Map<string, T> {
  const all = [...tensors.keys()];
  if (all.length && all.every((k) => k.startsWith('module.'))) return new Map([...tensors].map(([k, v]) => [k.slice('module.'.length), v]));
  return new Map(tensors);
}

export function inferGenerator<T extends Shaped>(input: ReadonlyMap<string, T>, source: string, fallback: Partial<GeneratorSpec> = {}): { spec: GeneratorSpec; tensors: Map<string, T> } {
  const tensors = unwrap(input);
  const shape = (k: string) => tensors.get(k)?.shape;
  let spec: GeneratorSpec;
  const resnetFirst = shape('model.1.weight');
  const unetFirst = shape('model.model.0.weight');
  if (resnetFirst && resnetFirst.length === 4 && resnetFirst[2] === 7) {
    const [ngf, channels] = resnetFirst;
    const blocks = new Set([...tensors.keys()].map((k) => /^model\.(\d+)\.conv_block\./.exec(k)?.[1]).filter((b) => b !== undefined));
    // With dropout the second conv of a block moves from index 5 to 6 (where batch norm's 1-D weight sits otherwise).
    const dropout = [...tensors].some(([k, t]) => /^model\.\d+\.conv_block\.6\.weight$/.test(k) && t.shape.length === 4);
    const norm: NormType = tensors.has('model.2.running_mean') && tensors.has('model.2.weight') ? 'batch' : tensors.has('model.1.bias') ? 'instance' : 'none';
    const nBlocks = blocks.size;
    const netG: NetG = fallback.netG === 'resnet_6blocks' || fallback.netG === 'resnet_9blocks' ? fallback.netG : nBlocks === 6 ? 'resnet_6blocks' : 'resnet_9blocks';
    spec = { netG, channels, ngf, nBlocks, norm, dropout };
  } else if (unetFirst && unetFirst.length === 4 && unetFirst[2] === 4) {
    const [ngf, channels] = unetFirst;
    // Block 2 sits at model.model.1, and each deeper block at index 3 of its parent's Sequential.
    let depth = 1;
    for (let prefix = 'model.model.1.model.'; [...tensors.keys()].some((k) => k.startsWith(prefix)); prefix += '3.model.') depth++;
    if (depth !== 7 && depth !== 8) throw new CheckpointError(`${source} holds a U-Net with ${depth} levels; netG unet_128 has 7 and unet_256 has 8.`);
    const second = 'model.model.1.model.';
    const norm: NormType = tensors.has(`${second}2.running_mean`) && tensors.has(`${second}2.weight`) ? 'batch' : tensors.has(`${second}1.bias`) ? 'instance' : 'none';
    // Dropout has no parameters and sits last in its block, so only the flags can say whether it is there.
    const dropout = fallback.dropout ?? false;
    spec = { netG: depth === 8 ? 'unet_256' : 'unet_128', channels, ngf, nBlocks: 9, norm, dropout };
  } else if (fallback.netG && fallback.channels && fallback.ngf) {
    spec = { nBlocks: 9, ...fallback } as GeneratorSpec;
  } else {
    const sample = [...tensors.keys()].slice(0, 3).join(', ');
    throw new CheckpointError(
      `${source} does not look like a generator of the reference (no model.1.weight of a ResNet, no model.model.0.weight of a U-Net; it starts with ${sample || 'nothing'}). ` +
        'Pass a G_A or G_B file (latest_net_G_A.pth), or give --netG, --ngf and --image_channel.',
    );
  }
  if (spec.norm !== 'batch') for (const k of [...tensors.keys()]) if (STALE_INSTANCE_NORM.test(k)) tensors.delete(k);
  return { spec, tensors };
}
