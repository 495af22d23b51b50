// Finds libtorch for the native addon, in the order the README documents:
//   1. the LIBTORCH environment variable (an unpacked libtorch: include/ and lib/),
//   2. a Python torch install (its include/ and lib/ folders, as pip wheels ship them),
//   3. Debian's libtorch-dev (/usr/include/ATen, /usr/lib/<multiarch>/libtorch.so).
// As a script it prints gyp fragments: --include, --libdir, --libs, --defines, or --describe.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function layoutAt(root, how) {
  const include = join(root, 'include');
  const lib = join(root, 'lib');
  if (!existsSync(join(include, 'ATen', 'ATen.h'))) return null;
  if (!existsSync(join(lib, 'libtorch.so')) && !existsSync(join(lib, 'libtorch_cpu.so'))) return null;
  return { how, includeDirs: [include, join(include, 'torch', 'csrc', 'api', 'include')], libDir: lib };
}

function pythonTorch() {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      const out = execFileSync(
        python,
        ['-c', 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 },
      ).trim().split('\n');
      const found = layoutAt(out[0], `Python torch at ${out[0]} (${python})`);
      if (found) return { ...found, cxx11Abi: out[1] === '1' };
    } catch {
      // no torch for this interpreter: try the next one
    }
  }
  return null;
}

function debianLibtorch() {
  let multiarch = 'x86_64-linux-gnu';
  try {
    multiarch = execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim() || multiarch;
  } catch {
    // keep the x86_64 default
  }
  const libDir = `/usr/lib/${multiarch}`;
  if (!existsSync('/usr/include/ATen/ATen.h') || !existsSync(join(libDir, 'libtorch.so'))) return null;
  return {
    how: `Debian libtorch-dev (/usr/include, ${libDir})`,
    includeDirs: ['/usr/include', '/usr/include/torch/csrc/api/include'],
    libDir,
  };
}

/** What was looked at, for the error message when nothing is found. */
export const searched = [
  'LIBTORCH environment variable (expects $LIBTORCH/include/ATen/ATen.h and $LIBTORCH/lib/libtorch.so)',
  'a Python torch install (python3 -c "import torch"; its include/ and lib/ folders)',
  "Debian's libtorch-dev (/usr/include/ATen/ATen.h and /usr/lib/<multiarch>/libtorch.so)",
];

export function findLibtorch() {
  const env = process.env.LIBTORCH;
  if (env) {
    const found = layoutAt(env, `LIBTORCH=${env}`);
    if (!found) throw new Error(`LIBTORCH is set to ${env}, but ${env}/include/ATen/ATen.h or ${env}/lib/libtorch.so is missing. Point LIBTORCH at an unpacked libtorch folder or unset it.`);
    return found;
  }
  return pythonTorch() ?? debianLibtorch();
}

function libsOf(found) {
  const names = readdirSync(found.libDir);
  const libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
  // CUDA builds register their kernels from libtorch_cuda's static initialisers: link it even though no symbol is used.
  const cuda = names.includes('libtorch_cuda.so');
  const extra = cuda ? ['-Wl,--no-as-needed', '-ltorch_cuda', '-lc10_cuda', '-Wl,--as-needed'] : [];
  return [`-L${found.libDir}`, `-Wl,-rpath,${found.libDir}`, ...extra, ...libs];
}

/**
 * Data-parallel training on GPUs (native/distributed.cc under USE_C10D_NCCL): only for a CUDA libtorch, and only
 * when nccl.h and the CUDA runtime headers are found: CYCLEGAN_NCCL_INCLUDE, the nvidia-nccl-cu* wheel beside a
 * Python torch, or /usr/include; CUDA_HOME (default /usr/local/cuda)/include. Without them the addon has gloo only.
 */
export function ncclOf(found) {
  if (!readdirSync(found.libDir).includes('libtorch_cuda.so')) return null;
  const candidates = [process.env.CYCLEGAN_NCCL_INCLUDE, join(found.libDir, '..', '..', 'nvidia', 'nccl', 'include'), '/usr/include'].filter(Boolean);
  const nccl = candidates.find((dir) => existsSync(join(dir, 'nccl.h')));
  const cuda = join(process.env.CUDA_HOME ?? '/usr/local/cuda', 'include');
  if (!nccl || !existsSync(join(cuda, 'cuda_runtime_api.h'))) return null;
  return { includeDirs: [nccl, cuda] };
}

/**
 * The addon's own oneDNN convolutions (native/onednn_conv.cc under CYCLEGAN_ONEDNN: Winograd, direct float32 and
 * bfloat16, and the matrix-product form in narrow_conv.cc): only when libtorch links a shared oneDNN 2 (Debian's does;
 * pip wheels link it statically, and oneDNN 3 has no Winograd on x64 and another API) and its headers are installed
 * (Debian: libdnnl-dev), so that the addon calls the very library libtorch runs. Otherwise every convolution is libtorch's.
 */
export function onednnOf(found) {
  const header = '/usr/include/oneapi/dnnl/dnnl_version.h';
  if (!existsSync(header) || !/#define DNNL_VERSION_MAJOR 2\b/.test(readFileSync(header, 'utf8'))) return null;
  const torchCpu = join(found.libDir, 'libtorch_cpu.so');
  if (!existsSync(torchCpu)) return null;
  const libDir = dirname(realpathSync(torchCpu)); // Python's torch/lib holds links into Debian's multiarch folder
  if (!existsSync(join(libDir, 'libdnnl.so.2'))) return null;
  try {
    const dynamic = execFileSync('readelf', ['-d', torchCpu], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /NEEDED.*\[libdnnl\.so\.2\]/.test(dynamic) ? { libs: [`-L${libDir}`, '-l:libdnnl.so.2'] } : null;
  } catch {
    return null; // no readelf: build without the Winograd path
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const found = findLibtorch();
  if (!found) {
    console.error(`libtorch not found. Tried:\n  - ${searched.join('\n  - ')}`);
    process.exit(1);
  }
  const mode = process.argv[2];
  const nccl = ncclOf(found);
  const onednn = onednnOf(found);
  if (mode === '--include') console.log([...found.includeDirs, ...(nccl?.includeDirs ?? [])].join(' '));
  else if (mode === '--libs') console.log([...libsOf(found), ...(onednn?.libs ?? [])].join(' '));
  else if (mode === '--defines') console.log(`_GLIBCXX_USE_CXX11_ABI=${found.cxx11Abi === false ? 0 : 1}${nccl ? ' USE_C10D_NCCL' : ''}${onednn ? ' CYCLEGAN_ONEDNN' : ''}`);
  else console.log(found.how);
}
