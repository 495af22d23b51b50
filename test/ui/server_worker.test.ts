// train --ui runs the dashboard on a worker thread, because a training step holds the main thread in
// native code. Here the main thread is held by spawnSync while another process asks for the page:
// the worker's server answers; a server on the held thread does not (which is why the worker exists).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { startDashboard } from '../../src/ui/server.js';
import { startDashboardThread } from '../../src/ui/server_worker.js';
import { tempDir } from '../helpers/reference.js';
import { writeRunFixture } from '../helpers/run_fixture.js';

/** The HTTP status another process gets for `url` while this thread waits for it, or null on timeout. */
function statusFromOtherProcess(url: string, timeout = 15000): number | null {
  const r = spawnSync(process.execPath, ['-e', `fetch(${JSON.stringify(url)}).then((r) => console.log(r.status))`], { encoding: 'utf8', timeout });
  return r.status === 0 ? Number(r.stdout.trim()) : null;
}

describe('dashboard on a worker thread', () => {
  test('answers while the main thread is busy; a main-thread server cannot', async () => {
    const root = join(tempDir(), 'run');
    await writeRunFixture(root);
    const threaded = await startDashboardThread({ folders: [root] });
    try {
      assert.match(threaded.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
      assert.equal(statusFromOtherProcess(threaded.url), 200);
      assert.equal(statusFromOtherProcess(threaded.url.replace(/\?token=.*/, '')), 401);
    } finally {
      await threaded.close();
    }
    const inline = await startDashboard({ folders: [root] });
    try {
      assert.equal(statusFromOtherProcess(inline.url, 3000), null, 'a server on the blocked thread does not answer');
    } finally {
      await inline.close();
    }
  });

  test('its errors come back as the same ConfigError', async () => {
    await assert.rejects(startDashboardThread({ folders: [join(tempDir(), 'missing')] }), (e) => e instanceof ConfigError && /does not exist/.test(e.message));
  });
});
