// `train ... --flip nope` said "Unexpected argument 'nope': cyclegan train takes no positional
// arguments", as if 'nope' had nothing to do with --flip. A word right after a boolean flag that is not
// a boolean is a bad value of that flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/cli/command_line.js';
import { commandNamed } from '../../src/cli/commands.js';

const train = commandNamed('train')!;
const predict = commandNamed('predict')!;
const base = ['--source', 'X', '--target', 'Y', '--out', 'OUT'];

test('a non-boolean word after a boolean flag is named as that flag\'s bad value', () => {
  assert.throws(() => parseCommandLine(train, [...base, '--flip', 'nope']), { message: "--flip takes true or false (or nothing, meaning true), but received 'nope'" });
  assert.throws(() => parseCommandLine(train, [...base, '--do-validation', 'maybe']), { message: "--do-validation takes true or false (or nothing, meaning true), but received 'maybe'" });
  assert.throws(() => parseCommandLine(predict, ['--resume', 'M', '--source', 'X', '--out', 'O', '--keep_size', 'big']), { message: "--keep_size takes true or false (or nothing, meaning true), but received 'big'" });
});

test('boolean values and genuinely stray arguments are unchanged', () => {
  assert.equal(parseCommandLine(train, [...base, '--flip', 'false']).parameters.flip, 'false');
  assert.equal(parseCommandLine(train, [...base, '--flip']).parameters.flip, 'true');
  assert.throws(() => parseCommandLine(train, ['/a', ...base]), { message: /^Unexpected argument '\/a': cyclegan train takes no positional arguments/ });
  assert.throws(() => parseCommandLine(train, [...base, '--max_epoch', '3', 'extra']), { message: /^Unexpected argument 'extra'/ });
});
