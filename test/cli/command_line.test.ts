// The command line as people expect it: --version, help pages that list every option with its default
// and an example and never run the command, and every command refusing what it does not take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PARAMETER_NAMES, PARAMETERS } from '../../src/config/parameters.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { closest, editDistance } from '../../src/cli/suggest.js';
import { fixtures } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const run = (args: string[], cwd = repoRoot) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd, env: { ...process.env, COLUMNS: '100' } });

test('--version prints the version of package.json', () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  for (const flag of ['--version', '-v']) {
    const r = run([flag]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('help lists every command; help COMMAND and COMMAND --help show the same page', () => {
  const overview = run(['help']);
  assert.equal(overview.status, 0);
  for (const c of COMMANDS) assert.match(overview.stdout, new RegExp(`^  ${c.name} `, 'm'));
  for (const c of COMMANDS.filter((x) => x.name !== 'help')) {
    const a = run(['help', c.name]);
    const b = run([c.name, '--help']);
    assert.equal(a.status, 0);
    assert.equal(b.status, 0);
    assert.equal(a.stdout, b.stdout);
    for (const o of c.options) assert.match(a.stdout, new RegExp(`^  --${o.name}\\b`, 'm'), `${c.name} --help lacks --${o.name}`);
    assert.match(a.stdout, /\nExample:\n {2}cyclegan /);
  }
});

test('the help of train lists every parameter with its accepted values and default', () => {
  const page = run(['train', '--help']).stdout.replace(/\n {5,}/g, ' ');
  for (const n of PARAMETER_NAMES) {
    const line = page.split('\n').find((l) => l.startsWith(`  --${n} `));
    assert.ok(line, `no line for ${n}`);
    const shown = n === 'threads' ? 'all cores' : n === 'resume' ? 'none' : String(PARAMETERS[n].default());
    assert.ok(line.includes(`[default: ${shown}`), `${n}: ${line}`);
  }
  assert.match(page, /--image_height .*a power of 2 from 32 to 8192 \[default: 256\]/);
  assert.match(page, /--lr_policy .*one of linear, constant \[default: linear\]/);
});

test('demo --help shows the page and does not run the demo', () => {
  const cwd = tempDir();
  const r = run(['demo', '--help'], cwd);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^cyclegan demo: /);
  assert.deepEqual(readdirSync(cwd), [], 'nothing written');
  assert.equal(r.stderr, '');
});

test('a command refuses stray positional arguments, naming them', () => {
  const r = run(['train', '/a', '/b']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr.split('\n')[0], "cyclegan: Unexpected arguments '/a' '/b': cyclegan train takes no positional arguments. Usage: cyclegan train --source X --target Y --out OUT [--restart] [--config FILE] [--ui [PORT]] [--nproc N] [--nnodes M] [--node_rank I] [--master_addr HOST] [--master_port PORT] [--dist_backend gloo|nccl] [--dist_timeout S] [parameters]");
  const v = run(['validate', fixtures.flat, fixtures.target]);
  assert.equal(v.status, 2);
  assert.match(v.stderr, new RegExp(`^cyclegan: Unexpected argument '${fixtures.target}': cyclegan validate takes DIR only`));
});

test('every command refuses an unknown flag, suggesting the nearest one', () => {
  const out = tempDir();
  const cases: [string[], string][] = [
    [['train', '--source', 'x', '--target', 'y', '--out', out, '--max_epochs', '3'], 'cyclegan: Unknown option --max_epochs for train. Did you mean --max_epoch? Run `cyclegan help train` for the options it takes.'],
    [['export', 'model.safetensors', '--format', 'onnx', '--drection', 'BtoA'], 'cyclegan: Unknown option --drection for export. Did you mean --direction? Run `cyclegan help export` for the options it takes.'],
    [['validate', fixtures.flat, '--verbose'], 'cyclegan: Unknown option --verbose for validate. Run `cyclegan help validate` for the options it takes.'],
    [['demo', '--out', out, '--quik'], 'cyclegan: Unknown option --quik for demo. Did you mean --quick? Run `cyclegan help demo` for the options it takes.'],
    [['predict', '--resume', 'm.onnx', '--source', 'x', '--out', out, '--keep-szie'], 'cyclegan: Unknown option --keep-szie for predict. Did you mean --keep_size? Run `cyclegan help predict` for the options it takes.'],
  ];
  for (const [args, message] of cases) {
    const r = run(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr.trim(), message);
  }
  assert.deepEqual(readdirSync(out), [], 'nothing ran');
});

test('a flag without its value says so', () => {
  const r = run(['train', '--source', fixtures.flat, '--target', fixtures.target, '--out']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^cyclegan: --out needs a value \(/);
  const p = run(['train', '--source', fixtures.flat, '--max_epoch', '--target', fixtures.target, '--out', tempDir()]);
  assert.equal(p.status, 2);
  assert.match(p.stderr, /^cyclegan: --max_epoch needs a value \(epochs; each visits max\(\|X\|, \|Y\|\) images; default 100\), e\.g\. --max_epoch 100/);
});

test('an unknown command suggests the nearest', () => {
  const r = run(['tarin']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^cyclegan: Unknown command 'tarin'\. Did you mean train\?/);
});

test('edit distance and the nearest name', () => {
  assert.equal(editDistance('max_epochs', 'max_epoch'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('drection', 'direction'), 1);
  assert.equal(editDistance('ab', 'ba'), 1);
  assert.equal(closest('max_epochs', ['max_epoch', 'seed']), 'max_epoch');
  assert.equal(closest('verbose', ['out', 'format']), undefined);
});
