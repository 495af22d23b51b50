/**
 * Benchmark flags, resolved once into a frozen object. The timing policy lives here so that
 * our engine and the PyTorch reference are measured by the same numbers.
 */
import { isAbsolute, join } from 'node:path';

/** How each side of a comparison is timed; the reference scripts receive the same object. */
export interface TimingPolicy {
  /** Untimed calls at the start of each block (the other side just ran and evicted the caches). */
  warmup: number;
  /** Timed calls per block. */
  samplesPerBlock: number;
  /** Blocks per case, alternating which side goes first (ours, PyTorch, PyTorch, ours, ...). */
  blocks: number;
}

/**
 * 25 blocks of 2 samples: 50 per side. Short blocks make bursts of load from other processes
 * land on both sides alike; one warm-up call per block is enough because oneDNN's primitives,
 * the thread pool and both allocators stay warm in their processes.
 */
export const FULL_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 2, blocks: 25 });
/** --quick: 4 blocks of 2 samples, enough to see that everything runs. */
export const QUICK_POLICY: Readonly<TimingPolicy> = Object.freeze({ warmup: 1, samplesPerBlock: 2, blocks: 4 });

export interface BenchOptions {
  /** Benchmarks to run; default all. */
  only: readonly string[];
  /** Fewer samples (QUICK_POLICY); default false. */
  quick: boolean;
  policy: Readonly<TimingPolicy>;
  /** Where results go; default bench/results.json. */
  out: string;
}

export class UsageError extends Error {}

export const USAGE = `usage: npm run bench -- [--only NAME[,NAME...]] [--quick] [--out FILE]
  --only   run only these benchmarks: conv, train-step, translate, quality, pipeline, large-image (default: all)
  --quick  fewer calls per side and case (conv: ${QUICK_POLICY.blocks * QUICK_POLICY.samplesPerBlock} instead of ${FULL_POLICY.blocks * FULL_POLICY.samplesPerBlock}): checks that it runs, numbers are rough
  --out    results file (default: bench/results.json)`;

/** Parses argv (without node and the script); `names` are the registered benchmarks. */
export function parseOptions(argv: readonly string[], names: readonly string[], repoRoot: string): Readonly<BenchOptions> {
  let only: string[] = [...names];
  let quick = false;
  let out = join(repoRoot, 'bench', 'results.json');
  const value = (flag: string, i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`Expected a value after ${flag}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    switch (flag) {
      case '--only': {
        const list = inline ?? value(flag, i++);
        only = list.split(',').filter(Boolean);
        const unknown = only.filter((n) => !names.includes(n));
        if (unknown.length > 0 || only.length === 0) {
          throw new UsageError(`Expected one or more of ${names.join(', ')} for --only but received '${list}'`);
        }
        break;
      }
      case '--quick':
        quick = true;
        break;
      case '--out': {
        const file = inline ?? value(flag, i++);
        out = isAbsolute(file) ? file : join(process.cwd(), file);
        break;
      }
      default:
        throw new UsageError(`Unknown argument '${arg}'; accepted: --only, --quick, --out`);
    }
  }
  return Object.freeze({ only: Object.freeze(only), quick, policy: quick ? QUICK_POLICY : FULL_POLICY, out });
}
