// precision: bf16 needs bfloat16 hardware (AMX or AVX512_BF16); without it the run warns and uses fp32
// (issue 16). The CPU flags come from an injectable source, so both machines are tested on any machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveParameters } from '../../src/config/resolve.js';
import { effectivePrecision } from '../../src/config/effective_precision.js';
import { bf16HardwareOf, readCpuFlags } from '../../src/engine/bf16_support.js';

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: ${flags}\n\nprocessor\t: 1\nflags\t\t: ${flags}\n`;

test('the CPU flags name bfloat16 hardware', () => {
  assert.equal(bf16HardwareOf(cpuinfo('fpu sse2 avx2 avx512f amx_bf16 amx_tile')), 'AMX');
  assert.equal(bf16HardwareOf(cpuinfo('fpu sse2 avx2 avx512f avx512_bf16')), 'AVX512_BF16');
  assert.equal(bf16HardwareOf(cpuinfo('fpu sse2 avx2 avx512f avx512bw')), null);
  assert.equal(bf16HardwareOf(null), null);
});

test('bf16 without the hardware warns and runs fp32; with it, or for fp32, nothing changes', () => {
  const warnings: string[] = [];
  const bf16 = resolveParameters({ precision: 'bf16' });
  const p = effectivePrecision(bf16, (m) => warnings.push(m), () => cpuinfo('fpu avx2'));
  assert.equal(p.precision, 'fp32');
  assert.deepEqual(warnings, [
    'precision bf16 needs a CPU with AMX or AVX512_BF16 (neither is in /proc/cpuinfo): running in fp32 instead, which gives the same results, more slowly than bf16 on such a CPU',
  ]);
  assert.equal(effectivePrecision(bf16, (m) => warnings.push(m), () => cpuinfo('avx512_bf16')), bf16);
  const fp32 = resolveParameters({});
  assert.equal(effectivePrecision(fp32, (m) => warnings.push(m), () => null), fp32);
  assert.equal(warnings.length, 1);
});

test('this machine has a readable flags line', () => {
  const flags = readCpuFlags();
  if (process.platform === 'linux') assert.match(flags ?? '', /flags\s*:/);
});
