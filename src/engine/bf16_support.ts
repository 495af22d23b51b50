/**
 * Whether this CPU computes bfloat16 in hardware. oneDNN runs bf16 convolutions fast only with AMX
 * or AVX512_BF16; elsewhere it emulates them, slower than float32 (config/effective_precision.ts
 * decides what a run does then). The flags come from /proc/cpuinfo (the kernel's own list, the same
 * one oneDNN's ISA detection agrees with); the source is injectable so tests can play any CPU.
 */
import { readFileSync } from 'node:fs';

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
