/** --max_memory, --tile_size, --max_pixels and --scratch_dir as predict takes them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from '../../src/cli/command_line.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { parseBytes, takeLargeImageOptions } from '../../src/cli/large_image_options.js';

const predict = COMMANDS.find((c) => c.name === 'predict')!;
const line = (...argv: string[]) => parseCommandLine(predict, ['--source', 'x', '--out', 'o', ...argv]);

test('sizes: bytes, K/M/G/T with or without B or iB, decimals', () => {
  assert.equal(parseBytes('2G', 'max_memory'), 2 * 2 ** 30);
  assert.equal(parseBytes('1.5GB', 'max_memory'), 1.5 * 2 ** 30);
  assert.equal(parseBytes('512MiB', 'max_memory'), 512 * 2 ** 20);
  assert.equal(parseBytes('100000', 'max_memory'), 100000);
  assert.equal(parseBytes('64k', 'max_memory'), 65536);
});

test('a bad size names the flag, the value and the accepted forms', () => {
  for (const bad of ['lots', '-1G', '0', '2X', '']) {
    assert.throws(() => parseBytes(bad, 'max_memory'), { message: `Expected a size such as 2G, 512M or a number of bytes for --max_memory but received '${bad}'` });
  }
});

test('predict declares the options, and they come out typed', () => {
  assert.deepEqual(takeLargeImageOptions(line('--max_memory', '3G', '--tile_size', '256', '--max_pixels', '200000000', '--scratch_dir', '/tmp/x', '--keep_size')), {
    maxMemory: 3 * 2 ** 30,
    tileSize: 256,
    maxPixels: 200_000_000,
    scratchDir: '/tmp/x',
  });
  assert.deepEqual(takeLargeImageOptions(line()), {});
  assert.throws(() => takeLargeImageOptions(line('--tile_size', '8')), { message: "Expected an integer of at least 16 for --tile_size but received '8'" });
});
