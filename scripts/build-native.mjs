// Builds the native addon (build/Release/cyclegan_native.node) with node-gyp against the libtorch
// that find-libtorch.mjs picks. Runs as the package's install script; skips work when up to date.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { ensureLibtorch } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const addonPath = join(root, 'build', 'Release', 'cyclegan_native.node');

function newestSource() {
  const sources = readdirSync(join(root, 'native')).map((f) => join(root, 'native', f));
  sources.push(join(root, 'binding.gyp'));
  return Math.max(...sources.map((f) => statSync(f).mtimeMs));
}

export function addonUpToDate() {
  return existsSync(addonPath) && statSync(addonPath).mtimeMs >= newestSource();
}

function nodeGyp() {
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

export function buildNative({ force = false, log = (m) => console.log(`[cyclegan] ${m}`) } = {}) {
  const found = ensureLibtorch(log);
  if (!force && addonUpToDate()) return;
  const gyp = nodeGyp();
  if (!gyp) throw new Error('node-gyp is not installed; run `npm ci` first.');
  log(`building the native addon against ${found.how}`);
  const jobs = process.env.JOBS ?? '2';
  const args = [gyp, 'rebuild', `--jobs=${jobs}`];
  // Build against the headers of the running Node (installed beside it) so node-gyp never downloads them.
  const nodePrefix = dirname(dirname(process.execPath));
  if (!process.env.npm_config_nodedir && existsSync(join(nodePrefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${nodePrefix}`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node-gyp failed (exit ${r.status}); see the compiler output above.`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    buildNative({ force: process.argv.includes('--force') });
  } catch (error) {
    console.error(`[cyclegan] ${error.message}`);
    process.exit(1);
  }
}
