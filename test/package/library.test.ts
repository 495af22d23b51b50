// The package as another project uses it: `npm pack`, installed offline into a temporary project
// (`npm ci --offline` from a lockfile holding the tarball and our production dependencies, all taken
// from npm's cache), then `import { train, predict, exportModel, validate } from 'cyclegan'` type-checked
// with tsc against the emitted declarations and run by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

function sh(command: string, args: string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A lockfile for a project depending on the tarball alone: our lockfile's production entries, which npm finds in its cache by integrity. */
function appLockfile(tarball: string): object {
  const ours = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const packages: Record<string, unknown> = {
    '': { name: 'app', dependencies: { cyclegan: `file:${tarball}` } },
    'node_modules/cyclegan': { version: manifest.version, resolved: `file:${tarball}`, dependencies: manifest.dependencies, bin: manifest.bin, license: manifest.license },
  };
  for (const [path, entry] of Object.entries(ours.packages as Record<string, { dev?: boolean }>)) if (path !== '' && !entry.dev) packages[path] = entry;
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}

const program = `
import { train, predict, exportModel, validate, resolveParameters, type RunEvent, type TrainOptions } from 'cyclegan';

const [source, target, out] = process.argv.slice(2);
const checked = await validate({ input: source });
const events: RunEvent['type'][] = [];
const options: TrainOptions = {
  source,
  target,
  out: out + '/run',
  parameters: resolveParameters({ image_height: 32, image_width: 32, ngf: 4, ndf: 4, n_blocks: 1, max_epoch: 1, threads: 1 }),
  onEvent: (e: RunEvent) => { events.push(e.type); },
};
const trained = await train(options);
const exported = await exportModel({ checkpoint: out + '/run/checkpoints/latest.safetensors', format: 'onnx', direction: 'BtoA' });
const predicted = await predict({ resume: exported.out, source: target, out: out + '/predicted', parameters: resolveParameters({ predict: true, resume: exported.out, threads: 1 }) });
console.log(JSON.stringify({ usable: checked.result.usable.length, completed: trained.completed, events: [...new Set(events)], metadata: exported.metadata, generated: predicted.generated }));
`;

test('the packed package installs offline and its API works by name, with types', { timeout: 600_000 }, (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true })); // the installed dependencies take about 300 MB
  const packed = sh('npm', ['pack', '--pack-destination', dir, '--silent'], repoRoot).trim().split('\n').pop()!;
  const tarball = join(dir, packed);
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { cyclegan: `file:${tarball}` } }));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLockfile(tarball)));
  // Install scripts stay off: the addon's build (minutes) is the same as in this checkout, so its result is copied in.
  sh('npm', ['ci', '--offline', '--ignore-scripts'], app);
  const installed = join(app, 'node_modules', 'cyclegan');
  assert.ok(readdirSync(join(installed, 'dist', 'src')).includes('index.d.ts'), 'declarations are packed');
  mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
  copyFileSync(join(repoRoot, 'build', 'Release', 'cyclegan_native.node'), join(installed, 'build', 'Release', 'cyclegan_native.node'));

  writeFileSync(join(app, 'main.mts'), program);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, outDir: 'out', typeRoots: [join(repoRoot, 'node_modules', '@types')], types: ['node'] },
      files: ['main.mts'],
    }),
  );
  sh(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  const result = JSON.parse(sh(process.execPath, [join('out', 'main.mjs'), fixtures.flat, fixtures.target, join(dir, 'work')], app).trim().split('\n').pop()!);
  assert.equal(result.completed, true);
  assert.ok(result.usable > 0);
  for (const type of ['validation', 'start', 'tick', 'epoch', 'saved', 'done']) assert.ok(result.events.includes(type), `no ${type} event`);
  assert.deepEqual({ direction: result.metadata.direction, channels: result.metadata.channels, size: result.metadata.image_height }, { direction: 'BtoA', channels: 3, size: 32 });
  assert.equal(result.generated, readdirSync(fixtures.target).length);
});

test('a type error in the caller is caught by the emitted declarations', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'bad.mts'), `import { exportModel } from '${join(repoRoot, 'dist', 'src', 'index.js')}';\nawait exportModel({ checkpoint: 'x', format: 'tflite' });\n`);
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, typeRoots: [join(repoRoot, 'node_modules', '@types')], types: ['node'] }, files: ['bad.mts'] }));
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /Type '"tflite"' is not assignable to type '"onnx" \| "pb" \| "pth"'/);
});
