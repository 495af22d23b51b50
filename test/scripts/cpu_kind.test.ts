// CI's output and the benchmark name the CPU kind: whether bf16 runs in hardware is read from the
// kernel's flags, and the line agrees with what a run decides (engine/bf16_support.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bf16HardwareOf } from '../../src/engine/bf16_support.js';
import { repoRoot } from '../helpers/reference.js';

const { cpuKindLine } = (await import(pathToFileURL(join(repoRoot, 'scripts', 'cpu-kind.mjs')).href)) as { cpuKindLine: (cpuinfo: string, cpus: number) => string };
const cpuinfo = (flags: string) => `processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Test CPU @ 2.80GHz\nflags\t\t: ${flags}\n`;

test('the CPU-kind line names the model, the CPUs and the SIMD extensions', () => {
  assert.equal(cpuKindLine(cpuinfo('fpu avx2 avx512f'), 2), 'CPU kind: Intel(R) Xeon(R) Test CPU @ 2.80GHz, 2 CPUs, avx2 avx512f; bf16 in hardware: no (bf16 would be emulated; precision bf16 runs fp32)');
});

test('bf16 hardware in the line is what a run decides by', () => {
  for (const [flags, expected] of [
    ['avx2 avx512f amx_bf16 amx_tile avx512_bf16', 'AMX'],
    ['avx2 avx512f avx512_bf16', 'AVX512_BF16'],
    ['avx2 avx512f', null],
  ] as const) {
    assert.equal(bf16HardwareOf(cpuinfo(flags)), expected);
    assert.match(cpuKindLine(cpuinfo(flags), 4), new RegExp(`bf16 in hardware: ${expected ?? 'no '}`));
  }
});
