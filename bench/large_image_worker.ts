/**
 * One case of bench/large_image.ts in a fresh process (once.ts), so that its peak RSS (VmHWM) is its own:
 * translates one image file with a freshly initialised generator, either whole (predict --keep_size's
 * ordinary path: decode, one forward, resize back and encode) or tiled (the same file through
 * largeImageTranslator with --max_memory and --tile_size).
 */
import { join } from 'node:path';
import { loadImage } from '../src/data/decode.js';
import * as E from '../src/engine/index.js';
import { ResnetGenerator } from '../src/model/resnet_generator.js';
import { orientedSize, roundToMultipleOf4, writeResized } from '../src/data/native_size.js';
import { largeImageTranslator } from '../src/translate/tiled/large_image.js';
import { engineTranslator } from '../src/translate/translator.js';
import type { LargeImageCase, LargeImageResult } from './large_image.js';
import { memoryBytes, serveOnce } from './once.js';

async function measure(c: LargeImageCase): Promise<LargeImageResult> {
  E.setNumThreads(c.threads);
  E.manualSeed(1);
  const net = new ResnetGenerator({ channels: 3, ngf: c.ngf, nBlocks: 9 });
  const baselineRssBytes = memoryBytes('VmRSS');
  const out = join(c.outDir, `${c.side}-${c.megapixels}mp-ngf${c.ngf}.jpg`);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let tiles = 0;
  let stores = '';
  if (c.side === 'whole') {
    const original = await orientedSize(c.image);
    const size = { height: roundToMultipleOf4(original.height), width: roundToMultipleOf4(original.width) };
    const data = await loadImage(c.image, { channels: 3, ...size });
    const translated = await engineTranslator(net).translate(data, [1, 3, size.height, size.width]);
    await writeResized(out, translated, 3, size, original);
  } else {
    const translator = largeImageTranslator(net, 'cpu', 'float32', { maxMemory: c.maxMemoryBytes, tileSize: c.tile, maxPixels: 2e8 });
    const tiled = await translator.translateIfLarge(c.image, out, 3, (e) => {
      if (e.type === 'tiles') tiles = e.total;
      if (e.type === 'info') stores = /activations in (memory|scratch)/.exec(e.message)?.[1] ?? '';
    });
    if (!tiled) throw new Error(`${c.image} was not translated in tiles (unreadable, or over the pixel limit)`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  net.dispose();
  return { seconds, cpuSeconds, baselineRssBytes, peakRssBytes: memoryBytes('VmHWM'), tiles, stores };
}

void serveOnce(measure);
