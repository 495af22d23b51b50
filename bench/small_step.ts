/**
 * Small training steps (issue 16): 32 px, ngf = ndf = 32, 6 ResNet blocks, 2 threads, the size of quick
 * experiments and of the quality checks. A step here is about 0.01 TFLOP: per-op overhead, the convolution
 * path libtorch picks for small inputs (native/ops_nn.cc) and thread wake-ups decide its time, not
 * arithmetic. Four sides, each in fresh processes taking turns (once.ts): ours and PyTorch as their users run
 * them (libgomp's default: threads spin a while between parallel regions) and both with
 * OMP_WAIT_POLICY=PASSIVE (threads sleep at once), which the README suggests for shared machines.
 */
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import { MODEL } from './model_case.js';
import { busyFootnotes, loadCell, spreadCell } from './report.js';
import { median, summarize, type Summary } from './stats.js';
import type { Samples } from './timing.js';
import { blasThreads, writeImages, type TrainStepCase } from './train_step.js';

const SIZE = 32;
const THREADS = 2;
const NET = { ngf: 32, ndf: 32, nBlocks: 6 } as const;

interface Plan {
  processes: number;
  warmup: number;
  steps: number;
}
/** About 0.25-1 s a step: 4 sides x 3 processes x 13 steps, about 3 minutes. */
const FULL: Plan = { processes: 3, warmup: 3, steps: 10 };
const QUICK: Plan = { processes: 1, warmup: 1, steps: 3 };

const SIDES = [
  { id: 'ours-default', label: 'ours (default wait policy)', script: 'train_step_worker.js', policy: null },
  { id: 'ours-passive', label: 'ours, OMP_WAIT_POLICY=PASSIVE', script: 'train_step_worker.js', policy: 'PASSIVE' },
  { id: 'pytorch-default', label: 'PyTorch (default wait policy)', script: 'train_step_bench.py', policy: null },
  { id: 'pytorch-passive', label: 'PyTorch, OMP_WAIT_POLICY=PASSIVE', script: 'train_step_bench.py', policy: 'PASSIVE' },
] as const;
type SideId = (typeof SIDES)[number]['id'];

const cell = (s: Summary) => `${s.median.toFixed(3)} ${spreadCell(s)}`;

export const smallStepBenchmark: Benchmark = {
  name: 'small-step',
  title: `small training steps: ${SIZE} px, ngf=ndf=${NET.ngf}, ${NET.nBlocks} blocks, ${THREADS} threads, float32; ours and PyTorch under both OpenMP wait policies`,
  async run(ctx: BenchContext): Promise<BenchOutput> {
    const plan = ctx.quick ? QUICK : FULL;
    // Each side's policy is its own: one inherited from this shell would land on every side.
    const inherited = process.env.OMP_WAIT_POLICY;
    delete process.env.OMP_WAIT_POLICY;
    const dataFile = writeImages(ctx.tempDir, SIZE);
    const samples = new Map<SideId, number[]>(SIDES.map((s) => [s.id, []]));
    const meter = startLoadMeter([]);
    try {
      for (let p = 0; p < plan.processes; p++) {
        for (const side of p % 2 === 0 ? SIDES : [...SIDES].reverse()) {
          const c: TrainStepCase = { ...MODEL, ...NET, size: SIZE, threads: THREADS, dataFile, precision: 'float32' };
          const env = { ...blasThreads(THREADS), ...(side.policy && { OMP_WAIT_POLICY: side.policy }) };
          const r = await ctx.once<Samples>(side.script, { case: c, warmup: plan.warmup, count: plan.steps }, env);
          samples.get(side.id)!.push(...r.seconds);
          ctx.progress(`${side.label} (process ${p + 1}/${plan.processes}): ${median(r.seconds).toFixed(3)} s/step`);
        }
      }
    } finally {
      if (inherited !== undefined) process.env.OMP_WAIT_POLICY = inherited;
    }
    const otherLoad = meter.stop();
    const s = Object.fromEntries(SIDES.map((side) => [side.id, summarize(samples.get(side.id)!)])) as Record<SideId, Summary>;
    const oursOverPyTorch = s['ours-default'].median / s['pytorch-default'].median;
    const bothPassive = s['ours-passive'].median / s['pytorch-passive'].median;
    // Each side with the policy that suits it best here.
    const bestOver = Math.min(s['ours-default'].median, s['ours-passive'].median) / Math.min(s['pytorch-default'].median, s['pytorch-passive'].median);
    const table: Table = {
      header: ['side', 's/step', 'ours / PyTorch default', 'other load'],
      leftColumns: [0],
      body: SIDES.map((side) => [side.label, cell(s[side.id]), (s[side.id].median / s['pytorch-default'].median).toFixed(2), loadCell(otherLoad)]),
      notes: [
        `median s/step over ${plan.processes} fresh processes per side x ${plan.steps} timed steps (${plan.warmup} warm-up), sides taking turns; OPENBLAS_NUM_THREADS=${THREADS} on every side;`,
        `issue 16's target: ours at 0.25x PyTorch or less. Ours / PyTorch, both default: ${oursOverPyTorch.toFixed(2)}; both PASSIVE: ${bothPassive.toFixed(2)}; each at its better policy: ${bestOver.toFixed(2)}`,
      ],
      footnotes: busyFootnotes([otherLoad]),
    };
    return {
      table,
      // PyTorch's cost over ours, as every ratio: above 1 ours is faster.
      ratios: { 'small-step/32/t2': 1 / oursOverPyTorch, 'small-step/32/t2/both-passive': 1 / bothPassive, 'small-step/32/t2/each-best': 1 / bestOver },
      headline: { 'small-step/32/t2/ours-over-pytorch': oursOverPyTorch },
      rows: SIDES.map((side) => ({ side: side.id, policy: side.policy, size: SIZE, threads: THREADS, ...NET, seconds: samples.get(side.id)!, summary: s[side.id] })),
      noise: { otherLoad: [otherLoad], spreads: SIDES.map((side) => s[side.id].relIqr) },
    };
  },
};
