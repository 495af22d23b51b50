/** `cyclegan demo [--out DIR] [--quick]`: runs the bundled example and says where to look. */
import { demo } from '../demo/demo.js';
import type { Renderer } from './render.js';

export async function runDemo(o: { out?: string; quick: boolean; onEvent: Renderer; signal: AbortSignal }): Promise<number> {
  const result = await demo(o);
  o.onEvent.flush();
  if (!result.completed) return 130;
  const s = result.statistic!;
  process.stdout.write(
    [
      '',
      `Demo finished. Look in ${result.out}:`,
      `  samples/      a labelled sheet per epoch: day | to night | back to day | identity, and from night`,
      `  Data/         every day crop translated to night (output_0.manifest lists them)`,
      `  model/        the generator (CycleGan_epoch_N.*), checkpoints/ for resuming`,
      `  logs/train.jsonl, params.json, validation_report.json`,
      '',
      `Mean luminance: day inputs ${s.dayInputs.toFixed(1)}, translated ${s.translated.toFixed(1)}, night crops ${s.nightReference.toFixed(1)}` +
        ` (${s.closerToNight ? 'moved towards night' : 'did NOT move towards night'})`,
      '',
    ].join('\n'),
  );
  return 0;
}
