// Runs every compiled test file (dist/test/**/*.test.js) with node's test runner, one file at a time
// (the machine has 2 cores and the tests measure memory). Node 20's --test takes no glob, and given a
// folder it would also run the helpers in dist/test as if they were tests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpuKindLine } from './cpu-kind.mjs';

const root = join(import.meta.dirname, '..', 'dist', 'test');
const files = readdirSync(root, { recursive: true })
  .filter((f) => f.endsWith('.test.js'))
  .sort()
  .map((f) => join(root, f));
if (files.length === 0) {
  console.error(`no test files under ${root}; run npm run build first`);
  process.exit(1);
}
// CI's output names the machine, so a failure or a figure is read against the right CPU.
console.log(cpuKindLine());
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
