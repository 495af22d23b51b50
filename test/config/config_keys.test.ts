// Config keys and values at the edges (fault 9 of issue 9) and bounded resources (fault 5): only own,
// known keys; a number that overflows says so; integers beyond 2^53 are refused, not rounded;
// threads are bounded by the machine; a config file with a byte-order mark is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { resolveParameters } from '../../src/config/resolve.js';
import { tempDir } from '../helpers/reference.js';
import { runCli } from '../helpers/cli_run.js';

const fails = (user: Record<string, unknown>, message: string) => assert.throws(() => resolveParameters(user), (e: unknown) => e instanceof ConfigError && e.message === message);

for (const key of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
  test(`'${key}' is an unknown parameter`, () => {
    assert.throws(
      () => resolveParameters(JSON.parse(`{"${key}": 1}`)),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(`Unknown parameter '${key}'. Accepted parameters: do_validation, `),
    );
  });
}

test('a number that overflows to Infinity is out of range, from a file and from a flag', () => {
  fails(JSON.parse('{"max_epoch": 1e309}'), 'Expected a positive integer for max_epoch but received a number out of range (beyond 1.8e308)');
  fails({ max_epoch: '1e309' }, 'Expected a positive integer for max_epoch but received a number out of range (beyond 1.8e308)');
  fails({ g_learning_rate: '-1e400' }, 'Expected a number greater than 0 for g_learning_rate but received a number out of range (beyond 1.8e308)');
});

test('an integer above 2^53 - 1 is refused rather than rounded', () => {
  fails(JSON.parse('{"seed": 9007199254740993}'), 'Expected an integer of at most 9007199254740991 (2^53 - 1) for seed but received 9007199254740992 of type number (larger integers cannot be held exactly)');
  assert.equal(resolveParameters({ seed: 2 ** 53 - 1 }).seed, 2 ** 53 - 1);
});

test('threads is bounded by the machine', () => {
  const most = 4 * availableParallelism();
  fails({ threads: 100000 }, `Expected a positive integer of at most ${most} (4 x the ${availableParallelism()} cores of this machine) for threads but received 100000 of type number`);
  assert.equal(resolveParameters({ threads: most }).threads, most);
});

test('a config file with a UTF-8 byte-order mark is read', () => {
  const file = join(tempDir(), 'params.json');
  writeFileSync(file, '\uFEFF{"max_epoch": 0}');
  const r = runCli(['train', '--source', '/nonexistent/x', '--target', '/nonexistent/y', '--out', join(tempDir(), 'out'), '--config', file]);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'cyclegan: Expected a positive integer for max_epoch but received 0 of type number\n');
});
