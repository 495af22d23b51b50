/**
 * The bundled demo: learn satellite day imagery -> night lights from data/demo (crops of NASA's Blue
 * Marble and Earth's City Lights, see data/demo/README.md), with a preset sized to finish within
 * 10 minutes on 2 CPU cores, then measure whether the translations moved towards night.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveParameters } from '../config/resolve.js';
import type { EventSink } from '../io/events.js';
import { train } from '../train/trainer.js';
import { demoStatistic, type DemoStatistic } from './brightness.js';
import { writeFileAtomic } from '../io/atomic_write.js';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const demoData = { day: join(packageRoot, 'data', 'demo', 'day'), night: join(packageRoot, 'data', 'demo', 'night') };

/**
 * The demo's parameters: 64 px images and a slimmer network than the reference (everything else as the
 * reference). Measured on 2 cores: 0.24 s per step, so 8 epochs of 150 steps take about 5 minutes
 * (a clean clone's whole `npm run demo` with 5 epochs took 4m10s, set-up included). The quick preset
 * (used by the tests) is one epoch of an even smaller network, about 30 seconds.
 */
export function demoParameters(quick: boolean): Record<string, unknown> {
  return {
    image_height: 64,
    image_width: 64,
    ngf: quick ? 16 : 32,
    ndf: quick ? 16 : 32,
    n_blocks: quick ? 3 : 6,
    max_epoch: quick ? 1 : 8,
    save_frequency: quick ? 1 : 4,
    log_frequency: 10,
    g_learning_rate: 2e-4,
    d_learning_rate: 2e-4,
    seed: 1,
    eval_images: quick ? 0 : 40,
  };
}

export interface DemoOptions {
  out?: string;
  quick?: boolean;
  onEvent?: EventSink;
  signal?: AbortSignal;
}

export interface DemoResult {
  out: string;
  completed: boolean;
  statistic?: DemoStatistic;
}

const images = (dir: string) =>
  readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));

export async function demo(o: DemoOptions = {}): Promise<DemoResult> {
  const out = resolve(o.out ?? 'demo-output');
  const parameters = resolveParameters(demoParameters(o.quick ?? false));
  const result = await train({ source: demoData.day, target: demoData.night, out, parameters, onEvent: o.onEvent, signal: o.signal });
  if (!result.completed) return { out, completed: false };
  const statistic = await demoStatistic(images(demoData.day), images(result.folder.data), images(demoData.night));
  writeFileAtomic(join(out, 'demo_statistic.json'), JSON.stringify(statistic, null, 2) + '\n');
  return { out, completed: true, statistic };
}
