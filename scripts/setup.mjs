// One command that brings a checkout to a runnable state: system packages (apt), npm packages,
// the native addon. `npm test`, `npm run demo` and `npm run bench` run it first.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBench, ensureLibtorch, ensureReference } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (m) => console.log(`[cyclegan] ${m}`);

function npmPackagesCurrent() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  return existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(root, 'package-lock.json')).mtimeMs;
}

try {
  const withReference = process.argv.includes('--reference') || process.env.npm_lifecycle_event === 'pretest' || process.env.npm_lifecycle_event === 'prebench';
  ensureLibtorch(log);
  if (withReference) ensureReference(log);
  if (process.env.npm_lifecycle_event === 'prebench') ensureBench(log);
  if (!npmPackagesCurrent()) {
    log('installing npm packages (npm ci)');
    // npm ci also runs our install script, which builds the addon.
    // package.json's allowScripts keeps onnxruntime-node's postinstall (a CUDA download from outside npm) from
    // running on npm 11; the variable, which that script reads itself, does the same on older npm.
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });
  }
  const { buildNative } = await import('./build-native.mjs');
  buildNative({ log });
} catch (error) {
  console.error(`[cyclegan] set-up failed: ${error.message}`);
  process.exit(1);
}
