/**
 * Whether this CPU computes bfloat16 in hardware. oneDNN runs bf16 convolutions fast only with AMX
 * or AVX512_BF16; elsewhere it emulates them, slower than float32, so `precision: bf16` on such a CPU
 * would cost time for nothing. The flags come from /proc/cpuinfo (the kernel's own list, the same
 * one oneDNN's ISA detection agrees with); the source is injectable so tests can play any CPU.
 */
import { readFileSync } from 'node:fs';
import type { Parameters } from '../config/parameters.js';

/** /proc/cpuinfo, or null where there is none (not Linux). */
export function readCpuFlags(): string | null {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** 'AMX', 'AVX512_BF16', or null when the first `flags` line of `cpuinfo` names neither. */
export function bf16HardwareOf(cpuinfo: string | null): 'AMX' | 'AVX512_BF16' | null {
  const line = cpuinfo?.match(/^flags\s*:(.*)$/m)?.[1];
  if (!line) return null;
  const flags = new Set(line.trim().split(/\s+/));
  if (flags.has('amx_bf16')) return 'AMX';
  if (flags.has('avx512_bf16')) return 'AVX512_BF16';
  return null;
}

/**
 * The parameters a run really uses: `precision: bf16` on a CPU without bfloat16 hardware becomes fp32,
 * with a warning (given to `warn`). A GPU device is left alone: its bfloat16 support is not in cpuinfo.
 */
export function effectivePrecision<P extends Readonly<Pick<Parameters, 'precision' | 'device'>>>(p: P, warn: (message: string) => void, cpuFlags: () => string | null = readCpuFlags): P {
  if (p.precision !== 'bf16' || p.device !== 'cpu' || bf16HardwareOf(cpuFlags()) !== null) return p;
  warn('precision bf16 needs a CPU with AMX or AVX512_BF16 (neither is in /proc/cpuinfo): running in fp32 instead, which gives the same results, more slowly than bf16 on such a CPU');
  return Object.freeze({ ...p, precision: 'fp32' });
}
