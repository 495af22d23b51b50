/** A run folder written by hand, as training would leave it, for dashboard tests that need no training. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export const fixtureLosses = { D_A: 0.25, G_A: 0.9, cycle_A: 3.1, idt_A: 1.4, D_B: 0.22, G_B: 0.8, cycle_B: 2.9, idt_B: 1.3 };

export function stepLine(epoch: number, step: number, stepsPerEpoch: number, maxEpoch: number, losses: Record<string, number> = fixtureLosses): string {
  const globalStep = (epoch - 1) * stepsPerEpoch + step;
  return JSON.stringify({ time: new Date().toISOString(), type: 'step', epoch, maxEpoch, step, stepsPerEpoch, globalStep, losses, lrG: 1e-4, lrD: 1e-4, secondsPerStep: 0.2, imagesPerSecond: 10, etaSeconds: 60 });
}

/** OUT with params.json, validation_report.json, `epochs` x 4 logged steps, one 96x32 sample per epoch and a model file. */
export async function writeRunFixture(root: string, epochs = 2): Promise<void> {
  for (const dir of ['logs', 'samples', 'model']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'params.json'), JSON.stringify({ parameters: { image_height: 32, image_width: 32, max_epoch: epochs, seed: 0 }, changed_from_default: { image_height: 32, image_width: 32, max_epoch: epochs } }));
  writeFileSync(join(root, 'validation_report.json'), JSON.stringify({ domains: { source: { input: '/x', total: 3, usable: 2, rejected_count: 1, rejected: [{ path: '/x/bad.jpg', code: 'EMPTY', reason: 'zero-byte file' }] } } }));
  const lines: string[] = [];
  for (let e = 1; e <= epochs; e++) for (let s = 1; s <= 4; s++) lines.push(stepLine(e, s, 4, epochs));
  writeFileSync(join(root, 'logs', 'train.jsonl'), lines.join('\n') + '\n');
  for (let e = 0; e < epochs; e++) {
    const colour = { r: 40 * e, g: 120, b: 200 - 40 * e };
    await sharp({ create: { width: 96, height: 32, channels: 3, background: colour } }).jpeg().toFile(join(root, 'samples', `${String(e).padStart(4, '0')}_0.jpg`));
  }
  writeFileSync(join(root, 'model', `CycleGan_epoch_${epochs}.onnx`), Buffer.from('not really a model'));
}
