/** The predict options for large images: --max_memory, --tile_size, --max_pixels, --scratch_dir (declared in commands.ts). */
import { ConfigError } from '../errors.js';
import type { LargeImageOptions } from '../translate/tiled/large_image.js';
import { optionValue, type CommandLine } from './command_line.js';

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** "2G", "1.5GB", "512M", "800MiB" or a number of bytes. */
export function parseBytes(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  const bytes = m ? Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number) : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) throw new ConfigError(`Expected a size such as 2G, 512M or a number of bytes for --${flag} but received '${text}'`);
  return Math.floor(bytes);
}

function positiveInteger(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new ConfigError(`Expected an integer of at least ${min} for --${flag} but received '${text}'`);
  return n;
}

export function takeLargeImageOptions(line: CommandLine): LargeImageOptions {
  const maxMemory = optionValue(line, 'max_memory');
  const tileSize = optionValue(line, 'tile_size');
  const maxPixels = optionValue(line, 'max_pixels');
  const scratchDir = optionValue(line, 'scratch_dir');
  return {
    ...(maxMemory !== undefined && { maxMemory: parseBytes(maxMemory, 'max_memory') }),
    ...(tileSize !== undefined && { tileSize: positiveInteger(tileSize, 'tile_size', 16) }),
    ...(maxPixels !== undefined && { maxPixels: positiveInteger(maxPixels, 'max_pixels', 1) }),
    ...(scratchDir !== undefined && { scratchDir }),
  };
}
