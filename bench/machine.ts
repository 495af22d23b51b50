/** A description of the machine a run was made on, stored with its results. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import * as E from '../src/engine/index.js';
import type { ReferenceInfo } from './reference.js';

export interface Machine {
  cpuModel: string;
  /** CPUs this process may use (what thread counts are measured against). */
  logicalCores: number;
  /** Physical cores per socket, as /proc/cpuinfo says; null when it does not. */
  physicalCores: number | null;
  /** The vector extensions oneDNN and BLAS pick kernels by. */
  simd: string[];
  memoryGiB: number;
  os: string;
  node: string;
  /** The libtorch our addon links against. */
  libtorch: string;
  mkldnn: boolean;
  /** Whether our ResNet-block convolutions ran as oneDNN Winograd (E.winograd(); PyTorch's never do). */
  winograd: boolean;
  /** Whether our other convolutions called oneDNN directly (E.directConv(): weight conversions once per phase, one-pass bfloat16 casts). */
  directConv: boolean;
  /** The PyTorch reference; null when no reference ran. */
  torch: string | null;
  python: string | null;
  /** Environment variables that change threading or allocation on either side, when set. */
  env: Record<string, string>;
  date: string;
}

/** Threading (OpenMP, BLAS, oneDNN) and allocation (glibc malloc, our caching allocator) settings. */
const RELEVANT_ENV = /^(OMP_|GOMP_|KMP_|MKL_|OPENBLAS_|DNNL_|ONEDNN_|MALLOC_|LD_PRELOAD$|CYCLEGAN_ALLOCATOR_|CYCLEGAN_WINOGRAD$|CYCLEGAN_ONEDNN_DIRECT$)/;

function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

const field = (text: string, name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();

export function describeMachine(reference: ReferenceInfo | null): Machine {
  const info = cpuinfo();
  const flags = new Set((field(info, 'flags') ?? '').split(/\s+/));
  const cores = field(info, 'cpu cores');
  const build = E.buildInfo();
  return {
    cpuModel: field(info, 'model name') ?? os.cpus()[0]?.model ?? 'unknown',
    logicalCores: os.availableParallelism(),
    physicalCores: cores === undefined ? null : Number(cores),
    simd: ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'amx_tile'].filter((f) => flags.has(f)),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    libtorch: build.torchVersion,
    mkldnn: build.mkldnn,
    winograd: E.winograd().enabled,
    directConv: E.directConv().enabled,
    torch: reference?.torch ?? null,
    python: reference ? `${reference.python} (${reference.executable})` : null,
    env: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => RELEVANT_ENV.test(e[0]) && e[1] !== undefined)),
    date: new Date().toISOString(),
  };
}
