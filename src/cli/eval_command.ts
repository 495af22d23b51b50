/** `cyclegan eval --real DIR --fake DIR [--paired DIR] [--json] [--threads N] [--device D]`: KID*, FID* and paired scores of generated images. */
import { resolveParameters } from '../config/resolve.js';
import { checkDevice, setNumThreads } from '../engine/index.js';
import { evaluateFolders, type EvaluationReport } from '../metrics/evaluate_folders.js';
import { optionValue, type CommandLine } from './command_line.js';
import type { Renderer } from './render.js';

const finite = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));

/** The report as a few lines for people; the numbers carry a * because the network is not the standard FID one. */
export function formatReport(r: EvaluationReport): string {
  const lines = [
    `real: ${r.images.real} images, fake: ${r.images.fake} images; features: ${r.extractor}`,
    'KID* and FID* are not comparable with published KID/FID (different network weights; see the README).',
    `${'features'.padEnd(10)}${'KID* (mean ± std)'.padEnd(26)}FID*`,
  ];
  for (const [space, s] of Object.entries(r.scores)) {
    lines.push(`${space.padEnd(10)}${`${s.kid.mean.toFixed(5)} ± ${s.kid.std.toFixed(5)}`.padEnd(26)}${s.fid.toFixed(3)}`);
  }
  if (r.paired) {
    const m = r.paired.mean;
    lines.push(`paired (${r.paired.images.length} images): L1 ${m.l1.toFixed(4)}, PSNR ${finite(m.psnr, 2)} dB, SSIM ${m.ssim.toFixed(4)}`);
    if (r.paired.unmatched.length) lines.push(`  ${r.paired.unmatched.length} generated images have no ground truth of the same name (e.g. ${r.paired.unmatched[0]})`);
  }
  return lines.join('\n') + '\n';
}

export async function runEval(args: CommandLine, render: Renderer): Promise<number> {
  // --real and --fake are declared required (commands.ts): parsing has checked them.
  const real = optionValue(args, 'real')!;
  const fake = optionValue(args, 'fake')!;
  const paired = optionValue(args, 'paired');
  const json = args.options.has('json');
  // The same checks and defaults as training's (threads: all cores, device: cpu).
  const p = resolveParameters({ threads: optionValue(args, 'threads'), device: optionValue(args, 'device') });
  setNumThreads(p.threads);
  checkDevice(p.device);
  render({ type: 'info', message: `extracting features of ${real} and ${fake}` });
  const report = await evaluateFolders({ real, fake, paired, device: p.device });
  render.flush();
  // JSON has no Infinity: identical pairs' PSNR is written as null.
  process.stdout.write(json ? JSON.stringify(report, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n' : formatReport(report));
  return 0;
}
