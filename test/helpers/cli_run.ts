/** Running the built CLI as a real process, and making small image folders for such runs. */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { repoRoot } from './reference.js';

export const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** The tiny training flags: 32 px, ngf/ndf 4, one residual block, one thread. */
export const tinyFlags = ['--image_height', '32', '--image_width', '32', '--ngf', '4', '--ndf', '4', '--n_blocks', '1', '--pool_size', '3', '--threads', '1', '--seed', '5'];

/** Runs the CLI to its end; a run that hangs is killed after `timeoutMs` (its status is then null). */
export function runCli(args: string[], timeoutMs = 300_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
}

/** `count` distinct 32x32 PNGs (a gradient shifted per image) in a new folder `dir`. */
export async function writeImageFolder(dir: string, count: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const pixels = Buffer.alloc(32 * 32 * 3);
    for (let p = 0; p < 32 * 32; p++) {
      pixels[3 * p] = (p * 7 + i * 13) & 255;
      pixels[3 * p + 1] = (p * 3 + i * 29) & 255;
      pixels[3 * p + 2] = (i * 41) & 255;
    }
    await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toFile(join(dir, `img_${String(i).padStart(3, '0')}.png`));
  }
  return dir;
}

export interface SignalledRun {
  code: number | null;
  stderr: string;
  /** Milliseconds from the first signal to the process's exit. */
  msAfterSignal: number;
}

/**
 * Runs the CLI and sends `signals` (one after another, `gapMs` apart) once stderr matches `when`.
 */
export async function runAndSignal(args: string[], when: RegExp, signals: NodeJS.Signals[], gapMs = 0): Promise<SignalledRun> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let signalledAt = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!signalledAt && when.test(stderr)) {
      signalledAt = Date.now();
      signals.forEach((s, i) => setTimeout(() => child.kill(s), i * gapMs));
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stderr, msAfterSignal: signalledAt ? Date.now() - signalledAt : -1 };
}
