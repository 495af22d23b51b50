// One line naming the kind of CPU a run happened on, so a number in CI's output or a benchmark
// table is never read against another machine's: model, CPUs available, the SIMD extensions
// oneDNN picks kernels by, and whether bfloat16 runs in hardware (AMX or AVX512_BF16) or would be
// emulated (precision bf16 then runs fp32, see src/config/effective_precision.ts).
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

export function cpuKindLine(cpuinfo = readCpuinfo(), cpus = os.availableParallelism()) {
  const field = (name) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const simd = ['avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile'].filter((f) => flags.has(f));
  const bf16 = flags.has('amx_bf16') ? 'AMX' : flags.has('avx512_bf16') ? 'AVX512_BF16' : null;
  const model = field('model name') ?? os.cpus()[0]?.model ?? 'unknown CPU';
  return `CPU kind: ${model}, ${cpus} CPUs, ${simd.join(' ') || 'no AVX2'}; bf16 in hardware: ${bf16 ?? 'no (bf16 would be emulated; precision bf16 runs fp32)'}`;
}

function readCpuinfo() {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(cpuKindLine());
