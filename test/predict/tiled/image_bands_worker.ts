/**
 * The child of image_bands_memory.test.ts, in a process of its own so that its peak RSS (VmHWM, which only
 * grows) is this one's: reads an image in bands into an activation store in a scratch file and writes the
 * store back out from bands (the identity translation), after a warm-up on a small image; prints the
 * peaks before and after the large one as one JSON line.
 * Argument: JSON {"small", "large", "outDir", "scratchDir", "band"}.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { orientedSize, roundToMultipleOf4 } from '../../../src/data/native_size.js';
import { createStore } from '../../../src/translate/tiled/activation_store.js';
import { readImageInBands, writeImageFromBands } from '../../../src/translate/tiled/band_image_io.js';

function peakBytes(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (kb === undefined) throw new Error('no VmHWM in /proc/self/status');
  return Number(kb) * 1024;
}

async function roundTrip(path: string, target: string, scratchDir: string, band: number): Promise<void> {
  const original = await orientedSize(path);
  const store = createStore('file', roundToMultipleOf4(original.height), roundToMultipleOf4(original.width), 3, scratchDir);
  try {
    await readImageInBands(path, store, original, band, 2e8, scratchDir);
    await writeImageFromBands(target, { store, scale: null, shift: null, fn: 'none' }, original, band, scratchDir);
  } finally {
    store.dispose();
  }
}

const request = JSON.parse(process.argv[2] ?? '{}') as { small: string; large: string; outDir: string; scratchDir: string; band: number };
// libvips keeps a few strips per worker thread: fixed at two, so the peak does not depend on the machine's cores.
sharp.concurrency(2);
await roundTrip(request.small, join(request.outDir, 'small.jpg'), request.scratchDir, request.band);
const before = peakBytes();
await roundTrip(request.large, join(request.outDir, 'large.jpg'), request.scratchDir, request.band);
process.stdout.write(`${JSON.stringify({ before, after: peakBytes() })}\n`);
