/**
 * `npm run bench [-- --only conv] [--quick] [--out FILE]`: measures our engine against the
 * PyTorch reference in the same run, prints a table per benchmark, one JSON line of
 * ratios and how noisy the run was, and writes bench/results.json. The only file here that prints or exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Benchmark } from './benchmark.js';
import { convBenchmark } from './conv.js';
import { largeImageBenchmark } from './large_image.js';
import { dataParallelBenchmark } from './data_parallel.js';
import { featuresBenchmark } from './features.js';
import { describeMachine } from './machine.js';
import { runOnce, type OnceRequest } from './once.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import { pipelineBenchmark } from './pipeline.js';
import { qualityBenchmark } from './quality.js';
import { qualityParityBenchmark } from './quality_parity.js';
import { pythonWithTorch, ReferenceWorker, type ReferenceInfo } from './reference.js';
import { formatTable, noiseLine, ratiosLine, summarizeNoise, writeResults, type BenchResult } from './report.js';
import { smallStepBenchmark } from './small_step.js';
import { trainStepBenchmark } from './train_step.js';
import { translateBenchmark } from './translate.js';

/** Every benchmark, in the order they run; --only picks from these names. */
const BENCHMARKS: readonly Benchmark[] = [convBenchmark, trainStepBenchmark, smallStepBenchmark, translateBenchmark, qualityBenchmark, pipelineBenchmark, qualityParityBenchmark, dataParallelBenchmark, largeImageBenchmark, featuresBenchmark];

/** This file's folder (dist/bench when compiled), where the compiled workers for `once` are. */
const benchDir = dirname(fileURLToPath(import.meta.url));
/** The repository root, from dist/bench or bench. */
const repoRoot = join(benchDir, '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
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
  const tempDir = mkdtempSync(join(tmpdir(), 'cyclegan-bench-'));
  try {
    for (const bench of BENCHMARKS.filter((b) => options.only.includes(b.name))) {
      progress(`${bench.name}: ${bench.title}${options.quick ? ' (quick)' : ''}`);
      const workers: ReferenceWorker[] = [];
      try {
        const output = await bench.run({
          policy: options.policy,
          quick: options.quick,
          tempDir,
          progress: (m) => progress(`${bench.name}: ${m}`),
          reference: async (script) => {
            const worker = ReferenceWorker.open(referenceDir, script);
            workers.push(worker);
            // Waiting for the answer also waits out torch's import, which would otherwise load the CPU during our first block.
            referenceInfo ??= await worker.info();
            return worker;
          },
          once: async <R>(script: string, request: OnceRequest, env?: Readonly<Record<string, string>>): Promise<R> => {
            const python = script.endsWith('.py');
            const reply = await runOnce<R & { info?: ReferenceInfo }>(
              python ? pythonWithTorch() : process.execPath,
              [join(python ? referenceDir : benchDir, script)],
              request,
              env,
            );
            if (python && reply.info) referenceInfo ??= reply.info;
            return reply;
          },
        });
        results.push({ name: bench.name, title: bench.title, ...output });
      } finally {
        for (const w of workers) w.close();
      }
    }
  } finally {
    rmSync(tempDir, { recursive: true, force: true });
  }

  const machine = describeMachine(referenceInfo);
  const noise = summarizeNoise(results);
  console.log(`\n${machine.cpuModel}, ${machine.logicalCores} cores, ${machine.simd.join(' ')}; bf16 in hardware: ${machine.simd.includes('amx_tile') ? 'AMX' : machine.simd.includes('avx512_bf16') ? 'AVX512_BF16' : 'no'}; libtorch ${machine.libtorch} (ours, Winograd convolutions ${machine.winograd ? 'on' : 'off'}, direct oneDNN convolutions ${machine.directConv ? 'on' : 'off'}), torch ${machine.torch ?? '-'} (reference); ${machine.date}${options.quick ? '; --quick: rough numbers' : ''}\n`);
  for (const r of results) console.log(`${formatTable(r)}\n`);
  console.log(noiseLine(noise));
  console.log(ratiosLine(results, noise));
  writeResults(options.out, machine, options.policy, options.quick, results, noise);
  progress(`wrote ${options.out}`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
