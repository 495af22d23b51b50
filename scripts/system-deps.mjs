// Installs the Debian packages the project needs when they are missing, so that `npm ci`,
// `npm test` and `npm run demo` work on a fresh Debian 12 machine without a manual step.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findLibtorch, searched } from './find-libtorch.mjs';

// libopenblas0-pthread: Debian's libtorch calls the system BLAS; the reference BLAS made a training step ~2x slower.
// fonts-dejavu-core: the font the sample sheets' labels are drawn in.
// libgloo-dev: the Gloo headers that c10d's ProcessGroupGloo.hpp includes (data-parallel training; libtorch_cpu already links libgloo).
// libdnnl-dev: the headers of the oneDNN that libtorch links, for the addon's own oneDNN convolutions (native/onednn_conv.cc: Winograd, direct float32 and bfloat16).
const RUNTIME_PACKAGES = ['libtorch-dev', 'libopenblas0-pthread', 'fonts-dejavu-core', 'libgloo-dev', 'libdnnl-dev'];
// python3-torch: the PyTorch reference that tests and benchmarks compare against.
// python3-numpy, python3-scipy: the KID and FID reference (test/reference/metrics_reference.py); python3-skimage: SSIM's.
const REFERENCE_PACKAGES = ['python3-torch', 'python3-numpy', 'python3-scipy', 'python3-skimage'];
// chromium: the real browser the dashboard tests drive through playwright-core (which downloads none).
const BROWSER_PACKAGES = ['chromium'];
// The quality-parity benchmark: its data is cut from marble-qt-data's NASA maps; the reference's loop reads images with PIL.
const BENCH_PACKAGES = ['marble-qt-data', 'python3-pil'];

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function aptInstall(packages, log) {
  const missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) return;
  const canApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg-query');
  const root = process.getuid?.() === 0;
  if (!canApt || !root) {
    throw new Error(
      `missing system packages: ${missing.join(' ')}.\n` +
        (canApt ? `Install them with: sudo apt-get install -y ${missing.join(' ')}` : 'Install libtorch and set LIBTORCH to its folder.'),
    );
  }
  log(`installing ${missing.join(' ')} with apt-get (once; this takes a few minutes)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
}

/** Makes sure libtorch can be found; installs Debian's when nothing else is there. */
export function ensureLibtorch(log) {
  if (!process.env.LIBTORCH && existsSync('/usr/bin/dpkg-query')) aptInstall(RUNTIME_PACKAGES, log);
  const found = findLibtorch();
  if (!found) {
    throw new Error(
      `libtorch not found. Tried:\n  - ${searched.join('\n  - ')}\n` +
        'Fix: apt-get install libtorch-dev libopenblas0-pthread libgloo-dev libdnnl-dev (Debian 12), or set LIBTORCH to an unpacked libtorch.',
    );
  }
  return found;
}

/** Makes sure the PyTorch reference (Debian's python3-torch) is there for tests and benchmarks. */
export function ensureReference(log) {
  if (existsSync('/usr/bin/dpkg-query')) aptInstall([...REFERENCE_PACKAGES, ...BROWSER_PACKAGES], log);
}

/** What `npm run bench` needs beyond the reference: the data source and PIL of the quality-parity benchmark. */
export function ensureBench(log) {
  if (existsSync('/usr/bin/dpkg-query')) aptInstall(BENCH_PACKAGES, log);
}
