/**
 * The precision a run really uses. `precision: bf16` pays only on a CPU that computes bfloat16 in
 * hardware (engine/bf16_support.ts); elsewhere it becomes fp32 with a warning, because oneDNN
 * would emulate it, slower than fp32, for the same results.
 */
import { bf16HardwareOf, readCpuFlags } from '../engine/bf16_support.js';
import type { Parameters } from './parameters.js';

/**
 * The parameters a run really uses: `precision: bf16` on a CPU without bfloat16 hardware becomes fp32,
 * with a warning (given to `warn`). A GPU device is left alone: its bfloat16 support is not in cpuinfo.
 */
export function effectivePrecision<P extends Readonly<Pick<Parameters, 'precision' | 'device'>>>(p: P, warn: (message: string) => void, cpuFlags: () => string | null = readCpuFlags): P {
  if (p.precision !== 'bf16' || p.device !== 'cpu' || bf16HardwareOf(cpuFlags()) !== null) return p;
  warn('precision bf16 needs a CPU with AMX or AVX512_BF16 (neither is in /proc/cpuinfo): running in fp32 instead, which gives the same results, more slowly than bf16 on such a CPU');
  return Object.freeze({ ...p, precision: 'fp32' });
}
