/**
 * Data-parallel training on this machine (issue 13): does a second process pay, and is our gradient
 * allreduce as fast as PyTorch's?
 *  - steps: the train-step benchmark's CycleGAN (ResNet-9, ngf = ndf = 64) at 128 px float32, one image
 *    per process and step, 1 process x 1 thread against 2 processes x 1 thread (a global batch of 2,
 *    gradients averaged over c10d/Gloo between backward and optimizer step). Scaling efficiency is the
 *    2-process throughput over twice the 1-process one: 1.0 is perfect, and only the gradient allreduces
 *    (two per step: 22.8 M floats of generators, 5.5 M of discriminators) and the shared memory bandwidth
 *    stand between them. The 2-process steps alternate between G's allreduce overlapping the discriminators'
 *    forward and backward and the plain order (allreduce, G's step, then D's phase; the same bits; the
 *    default between Gloo ranks on one machine, overlapByDefault); each order gets its own efficiency, and
 *    the time from the end of G's backward to the end of the step compares the two apart from the generators'
 *    phase, whose time the load scatters most. The same step on 2 processes training alone at once (no
 *    group) is the machine's ceiling: what two ranks could reach if the group cost nothing.
 *  - allreduce: averaging gradients shaped like one ResNet-9 generator's (11.4 M floats, 50 tensors)
 *    across 2 processes on 127.0.0.1: ours (native/distributed.cc: ProcessGroupGloo.allreduce_coalesced
 *    plus the division, off the JS thread) against torch.distributed's gloo backend doing the same
 *    (reference/allreduce_bench.py), in the same run.
 * Every case runs in fresh processes (data_parallel_worker.ts, reference/allreduce_bench.py); the kinds
 * alternate round by round, so a change in the machine's load hits both sides.
 */
import { freePort } from '../src/io/free_port.js';
import { overlapByDefault } from '../src/train/distributed_context.js';
import type { BenchContext, BenchOutput, Benchmark, Table } from './benchmark.js';
import { startLoadMeter } from './load.js';
import { busyFootnotes, loadCell, spreadCell } from './report.js';
import { median, summarize, type Summary } from './stats.js';
import { MODEL } from './model_case.js';
import { blasThreads } from './train_step.js';
import type { DataParallelCase } from './data_parallel_worker.js';

const SIZE = 128;

interface Plan {
  rounds: number;
  stepWarmup: number;
  steps: number;
  reduceWarmup: number;
  reduces: number;
}

/** A 1-thread 128 px step takes about 5 s here, 5-8 s with two processes on the two cores: about 8 minutes. */
const FULL: Plan = { rounds: 3, stepWarmup: 1, steps: 8, reduceWarmup: 2, reduces: 10 };
const QUICK: Plan = { rounds: 1, stepWarmup: 1, steps: 2, reduceWarmup: 1, reduces: 2 };

interface WorkerResult {
  seconds: number[];
  /** 2-process steps: seconds from the end of G's backward to the end of the step, per order. */
  afterBackwardG: { overlap: number[]; plain: number[] };
  /** 2-process steps: whole steps, per order. */
  stepsByOrder: { overlap: number[]; plain: number[] };
  floats: number;
}


/**
 * Runs `script` as `processes` processes at once; returns rank 0's result. `joined` false: each process
 * trains alone (WORLD_SIZE 1, no group), which measures what running two at once costs on this machine.
 */
async function ranks(ctx: BenchContext, script: string, c: DataParallelCase, processes: number, warmup: number, count: number, joined = true): Promise<WorkerResult> {
  const port = String(await freePort());
  const all = await Promise.all(
    Array.from({ length: processes }, (_, rank) =>
      ctx.once<WorkerResult>(script, { case: c, warmup, count }, { ...blasThreads(c.threads), RANK: String(joined ? rank : 0), WORLD_SIZE: String(joined ? processes : 1), MASTER_PORT: port }),
    ),
  );
  return all[0];
}

const ms = (s: Summary): string => (s.median * 1000).toFixed(1);

export const dataParallelBenchmark: Benchmark = {
  name: 'data-parallel',
  title: `data-parallel training: ${SIZE} px steps on 1 vs 2 processes x 1 thread, and the generator-gradient allreduce, ours vs torch.distributed gloo`,
  async run(ctx): Promise<BenchOutput> {
    const plan = ctx.quick ? QUICK : FULL;
    const base: DataParallelCase = { ...MODEL, precision: 'float32', kind: 'steps', size: SIZE, threads: 1 };
    const samples = { one: [] as number[], two: [] as number[], alone: [] as number[], ours: [] as number[], torch: [] as number[], overlap: [] as number[], plain: [] as number[], twoOverlap: [] as number[], twoPlain: [] as number[] };
    let floats = 0;
    const meter = startLoadMeter([]);
    for (let round = 0; round < plan.rounds; round++) {
      // Alternate which side goes first, so a drift in the machine's load does not favour one.
      const kinds = ['one', 'two', 'alone'] as const;
      const order = [0, 1, 2].map((i) => kinds[(i + round) % 3] as (typeof kinds)[number]);
      for (const kind of order) {
        const r = await ranks(ctx, 'data_parallel_worker.js', base, kind === 'one' ? 1 : 2, plan.stepWarmup, plan.steps, kind !== 'alone');
        samples[kind].push(...r.seconds);
        samples.overlap.push(...r.afterBackwardG.overlap);
        samples.plain.push(...r.afterBackwardG.plain);
        samples.twoOverlap.push(...r.stepsByOrder.overlap);
        samples.twoPlain.push(...r.stepsByOrder.plain);
        const label = { one: '1 process', two: '2 processes', alone: '2 processes alone' }[kind];
        ctx.progress(`round ${round + 1}: ${label}: ${median(r.seconds).toFixed(2)} s/step`);
      }
      const reduce: DataParallelCase = { ...base, kind: 'allreduce' };
      for (const side of round % 2 === 0 ? (['ours', 'torch'] as const) : (['torch', 'ours'] as const)) {
        const r = await ranks(ctx, side === 'ours' ? 'data_parallel_worker.js' : 'allreduce_bench.py', reduce, 2, plan.reduceWarmup, plan.reduces);
        floats = r.floats;
        samples[side].push(...r.seconds);
        ctx.progress(`round ${round + 1}: allreduce ${side}: ${(median(r.seconds) * 1000).toFixed(1)} ms`);
      }
    }
    const otherLoad = meter.stop();
    const one = summarize(samples.one);
    const two = summarize(samples.two);
    const alone = summarize(samples.alone);
    const overlap = summarize(samples.overlap);
    const plain = summarize(samples.plain);
    const twoOverlap = summarize(samples.twoOverlap);
    const twoPlain = summarize(samples.twoPlain);
    const ours = summarize(samples.ours);
    const torch = summarize(samples.torch);
    // Images per second: 1 per step on one process, 2 per step (one per rank) on two.
    const efficiency = one.median / two.median;
    const efficiencyOverlap = one.median / twoOverlap.median;
    const efficiencyPlain = one.median / twoPlain.median;
    // Two processes training alone at once: the most two ranks could get from this machine's cores, caches
    // and memory; the group's own cost is what separates the 2-rank step from it.
    const ceiling = one.median / alone.median;
    // The headline is the order this run's setting (Gloo, one machine) takes by default.
    const overlapDefault = overlapByDefault({ backend: 'gloo', oneMachine: true });
    const efficiencyDefault = overlapDefault ? efficiencyOverlap : efficiencyPlain;
    const table: Table = {
      header: ['case', 'ours', 'spread', 'PyTorch', 'spread', 'note', 'other load'],
      leftColumns: [0, 5],
      body: [
        [`${SIZE} px step, 1 process x 1 thread (s)`, one.median.toFixed(2), spreadCell(one), '', '', `${(1 / one.median).toFixed(3)} images/s`, loadCell(otherLoad)],
        [`${SIZE} px step, 2 processes x 1 thread (s)`, two.median.toFixed(2), spreadCell(two), '', '', `${(2 / two.median).toFixed(3)} images/s, scaling efficiency ${efficiency.toFixed(2)} (both orders)`, loadCell(otherLoad)],
        [`  G's allreduce in order (s)`, twoPlain.median.toFixed(2), spreadCell(twoPlain), '', '', `scaling efficiency ${efficiencyPlain.toFixed(2)}${overlapDefault ? '' : ' (the default on one machine)'}`, loadCell(otherLoad)],
        [`    of which after G's backward (s)`, plain.median.toFixed(2), spreadCell(plain), '', '', `allreduce, G's step, then D`, loadCell(otherLoad)],
        [`  G's allreduce overlapped (s)`, twoOverlap.median.toFixed(2), spreadCell(twoOverlap), '', '', `scaling efficiency ${efficiencyOverlap.toFixed(2)}${overlapDefault ? ' (the default on one machine)' : ' (the default across machines and on GPUs)'}`, loadCell(otherLoad)],
        [`    of which after G's backward (s)`, overlap.median.toFixed(2), spreadCell(overlap), '', '', `G's allreduce during D's forward and backward: saves ${((plain.median - overlap.median) * 1000).toFixed(0)} ms a step`, loadCell(otherLoad)],
        [`${SIZE} px step, 2 processes alone at once (s)`, alone.median.toFixed(2), spreadCell(alone), '', '', `no group: the machine's ceiling ${ceiling.toFixed(2)}; 2 ranks reach ${(efficiencyDefault / ceiling).toFixed(2)} of it`, loadCell(otherLoad)],
        [`allreduce of ${(floats / 1e6).toFixed(1)} M floats, 2 processes (ms)`, ms(ours), spreadCell(ours), ms(torch), spreadCell(torch), `PyTorch/ours ${(torch.median / ours.median).toFixed(2)}`, loadCell(otherLoad)],
      ],
      notes: [
        `ResNet-9 CycleGAN (ngf = ndf = ${MODEL.ngf}), float32, batch 1 per process; 2 processes train a global batch of 2 with gradients averaged over c10d Gloo on 127.0.0.1.`,
        'Scaling efficiency = (2 images / 2-process step) / (2 x 1 image / 1-process step); 1.0 is perfect.',
        'allreduce: one generator`s gradients (50 tensors), allreduce_coalesced then / world size, both sides; medians over rounds.',
      ],
      footnotes: busyFootnotes([otherLoad]),
    };
    return {
      table,
      ratios: { 'data-parallel/allreduce/generator': torch.median / ours.median },
      headline: { 'data-parallel/128/scaling-efficiency': efficiencyDefault, 'data-parallel/128/ceiling': ceiling, 'data-parallel/128/efficiency-of-ceiling': efficiencyDefault / ceiling, 'data-parallel/128/scaling-efficiency/overlap': efficiencyOverlap, 'data-parallel/128/scaling-efficiency/in-order': efficiencyPlain },
      rows: [
        { case: 'steps', size: SIZE, processes: 1, threads: 1, seconds: samples.one, summary: one },
        { case: 'steps', size: SIZE, processes: 2, threads: 1, seconds: samples.two, summary: two, scalingEfficiency: efficiency },
        { case: 'steps alone', size: SIZE, processes: 2, threads: 1, seconds: samples.alone, summary: alone, ceiling },
        { case: 'steps by order', size: SIZE, processes: 2, threads: 1, overlap: { seconds: samples.twoOverlap, summary: twoOverlap, scalingEfficiency: efficiencyOverlap }, plain: { seconds: samples.twoPlain, summary: twoPlain, scalingEfficiency: efficiencyPlain } },
        { case: 'after G backward', size: SIZE, processes: 2, threads: 1, overlap: { seconds: samples.overlap, summary: overlap }, plain: { seconds: samples.plain, summary: plain } },
        { case: 'allreduce', floats, processes: 2, ours: { seconds: samples.ours, summary: ours }, pytorch: { seconds: samples.torch, summary: torch } },
      ],
      noise: { otherLoad: [otherLoad], spreads: [one.relIqr, two.relIqr, alone.relIqr, twoOverlap.relIqr, twoPlain.relIqr, overlap.relIqr, plain.relIqr, ours.relIqr, torch.relIqr] },
    };
  },
};
