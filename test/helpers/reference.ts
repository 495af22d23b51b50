/** Runs the PyTorch reference scripts (Debian's python3-torch) that produce golden values. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/test/helpers or test/helpers. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
export const referenceDir = join(repoRoot, 'test', 'reference');

let python: string | undefined;

/** An interpreter that can import torch: python3 on PATH, else Debian's /usr/bin/python3. */
export function pythonWithTorch(): string {
  if (python) return python;
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return (python = candidate);
  }
  throw new Error('no Python with torch found: install the reference with `apt-get install python3-torch` (npm test does this by itself)');
}

/** Runs test/reference/SCRIPT with args; throws with Python's stderr when it fails. */
export function runReference(script: string, args: string[]): string {
  const r = spawnSync(pythonWithTorch(), [join(referenceDir, script), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`reference script ${script} failed:\n${r.stderr}`);
  return r.stdout;
}

export function tempDir(prefix = 'cyclegan-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
