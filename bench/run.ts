/**
 * `npm run bench [-- --only conv] [--quick] [--out FILE]`: measures our engine against the
 * PyTorch reference in the same run, prints a table per benchmark and one JSON line of
 * ours/PyTorch ratios, and writes bench/results.json. The only file here that prints or exits.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './benchmark.js';
import { convBenchmark } from './conv.js';
import { describeMachine } from './machine.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { ReferenceWorker, type ReferenceInfo } from './reference.js';
import { formatTable, ratiosLine, writeResults, type BenchResult } from './report.js';

/** Every benchmark, in the order they run; --only picks from these names. */
const BENCHMARKS: readonly Benchmark[] = [convBenchmark];

/** The repository root, from dist/bench or bench. */
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
const referenceDir = join(repoRoot, 'bench', 'reference');

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const options = parseOptions(process.argv.slice(2), BENCHMARKS.map((b) => b.name), repoRoot);
  const progress = (message: string): void => void process.stderr.write(`[bench] ${message}\n`);

  let referenceInfo: ReferenceInfo | null = null;
  const results: BenchResult[] = [];
  for (const bench of BENCHMARKS.filter((b) => options.only.includes(b.name))) {
    progress(`${bench.name}: ${bench.title}${options.quick ? ' (quick)' : ''}`);
    const workers: ReferenceWorker[] = [];
    try {
      const rows = await bench.run({
        policy: options.policy,
        progress: (m) => progress(`${bench.name}: ${m}`),
        reference: async (script) => {
          const worker = ReferenceWorker.open(referenceDir, script);
          workers.push(worker);
          // Waiting for the answer also waits out torch's import, which would otherwise load the CPU during our first block.
          referenceInfo ??= await worker.info();
          return worker;
        },
      });
      results.push({ name: bench.name, title: bench.title, rows });
    } finally {
      for (const w of workers) w.close();
    }
  }

  const machine = describeMachine(referenceInfo);
  console.log(`\n${machine.cpuModel}, ${machine.logicalCores} cores; libtorch ${machine.libtorch} (ours), torch ${machine.torch ?? '-'} (reference); ${machine.date}\n`);
  for (const r of results) console.log(`${formatTable(r, options.policy)}\n`);
  console.log(ratiosLine(results));
  writeResults(options.out, machine, options.policy, options.quick, results);
  progress(`wrote ${options.out}`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
