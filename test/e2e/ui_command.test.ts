// `cyclegan ui`: the address is the first line on stdout, the server stops on Ctrl-C, another host
// is served only when asked and with a warning, and bad arguments are clear errors without a trace.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { writeRunFixture } from '../helpers/run_fixture.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Starts `cyclegan ui ARGS`, waits for its first stdout line, runs `check`, then sends SIGINT. */
async function withUi(args: string[], check: (firstLine: string) => Promise<void>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [cli, 'ui', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const firstLine = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
    });
    child.on('close', () => reject(new Error(`cyclegan ui ended before printing its address: ${stderr}`)));
  });
  try {
    await check(firstLine);
  } finally {
    child.kill('SIGINT');
  }
  const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('close', resolve)));
  return { code, stderr, stdout };
}

describe('cyclegan ui', () => {
  test('prints the tokened address first, serves the page with it, refuses without it, stops on Ctrl-C', async () => {
    const a = join(tempDir(), 'a');
    const b = join(tempDir(), 'b');
    await writeRunFixture(a);
    await writeRunFixture(b, 1);
    const { code, stderr, stdout } = await withUi([a, b, '--port', '0'], async (url) => {
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
      assert.equal((await fetch(url)).status, 200);
      assert.equal((await fetch(url.replace(/\?token=.*/, ''))).status, 401);
      const state = await (await fetch(url.replace('/?', '/api/state?'))).json();
      assert.deepEqual(
        state.runs.map((r: { name: string }) => r.name),
        ['a', 'b'],
      );
    });
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '', 'nothing on stderr for the loopback default');
    assert.equal(stdout.trim().split('\n').length, 1);
  });

  test('another host must be asked for, and is warned about', async () => {
    const a = join(tempDir(), 'a');
    await writeRunFixture(a, 1);
    const { code, stderr } = await withUi([a, '--port', '0', '--host', '0.0.0.0'], async (url) => {
      assert.match(url, /^http:\/\/0\.0\.0\.0:\d+\/\?token=/);
      const port = new URL(url).port;
      assert.equal((await fetch(`http://127.0.0.1:${port}/?token=${new URL(url).searchParams.get('token')}`)).status, 200);
    });
    assert.equal(code, 0);
    assert.match(stderr, /^warning: the dashboard listens on 0\.0\.0\.0, not only on this machine/);
    assert.match(stderr, /ssh -L \d+:127\.0\.0\.1:\d+/);
  });

  test('bad arguments: a clear message and exit code 2, no stack trace', () => {
    const dir = tempDir();
    const cases: [string[], string][] = [
      [[], 'cyclegan: Missing OUT (a run folder, the --out of train; give several to overlay them). Usage: cyclegan ui OUT [OUT2 ...] [--port N] [--host H]'],
      [[join(dir, 'missing')], `cyclegan: Expected a run folder (the --out of cyclegan train) but ${join(dir, 'missing')} does not exist`],
      [[dir, '--port', 'http'], "cyclegan: Expected a port from 0 to 65535 for --port but received 'http' (0 picks a free port)"],
      [[dir, '--port', '99999'], "cyclegan: Expected a port from 0 to 65535 for --port but received '99999' (0 picks a free port)"],
      [[dir, '--colour', 'red'], 'cyclegan: Unknown option --colour for ui. Run `cyclegan help ui` for the options it takes.'],
      [[dir, '--port'], 'cyclegan: --port needs a value (the port to listen on; 0 picks a free one; default 8765), e.g. --port N'],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [cli, 'ui', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), message);
      assert.equal(r.stdout, '');
    }
  });
});
