// A manifest naming a FIFO and /dev/zero (fault 4 of issue 9): with and without validation the run
// neither hangs nor reads without bound; both entries are reported, and training goes on with the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

const dir = tempDir();
const fifo = join(dir, 'pipe.png');
execFileSync('mkfifo', [fifo]);
const manifest = join(dir, 'source.manifest');
const images = ['m_1.png', 'm_2.png', 'm_3.png'].map((n) => join(fixtures.manifest, 'images', n));
writeFileSync(manifest, [...images, fifo, '/dev/zero'].map((source) => JSON.stringify({ source }) + '\n').join(''));

for (const validation of [true, false]) {
  test(`do_validation ${validation}: the FIFO and /dev/zero are reported, the rest trains`, async () => {
    const out = join(tempDir(), 'out');
    const warnings: string[] = [];
    const result = await train({
      source: manifest,
      target: fixtures.target,
      out,
      parameters: resolveParameters({ ...tinyParameters, max_epoch: 1, do_validation: validation }),
      onEvent: (e) => {
        if (e.type === 'warning') warnings.push(e.message);
      },
    });
    assert.equal(result.completed, true);
    assert.equal(result.generated, 3);
    const source = JSON.parse(readFileSync(join(out, 'validation_report.json'), 'utf8')).domains.source;
    const rejected = Object.fromEntries(source.rejected.map((r: { path: string; code: string; reason: string }) => [r.path, [r.code, r.reason]]));
    if (validation) {
      assert.deepEqual(rejected, { [fifo]: ['unreadable', 'not a regular file'], '/dev/zero': ['unreadable', 'not a regular file'] });
    } else {
      assert.deepEqual(rejected, {
        [fifo]: ['failed_in_use', `Cannot read image ${fifo}: not a regular file`],
        '/dev/zero': ['failed_in_use', 'Cannot read image /dev/zero: not a regular file'],
      });
      assert.ok(warnings.includes(`skipped ${fifo}: Cannot read image ${fifo}: not a regular file`), warnings.join('\n'));
    }
  });
}
