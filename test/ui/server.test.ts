// The dashboard server: token required (query or cookie), only its own routes served, nothing outside
// the run folder reachable (../, encoded traversal, symlinks), events streamed as the log grows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { startDashboard, type Dashboard } from '../../src/ui/server.js';
import type { WireMessage } from '../../src/ui/shared/wire.js';
import { tempDir } from '../helpers/reference.js';
import { stepLine, writeRunFixture } from '../helpers/run_fixture.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET with the path sent exactly as written (no normalisation by a URL parser). */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server', () => {
  const base = tempDir();
  const root = join(base, 'run');
  let dashboard: Dashboard;
  let cookie: string;

  before(async () => {
    await writeRunFixture(root);
    writeFileSync(join(base, 'secret.jpg'), 'outside the run folder');
    writeFileSync(join(base, 'secret.onnx'), 'outside the run folder');
    symlinkSync(join(base, 'secret.jpg'), join(root, 'samples', 'escape.jpg'));
    symlinkSync('../../secret.onnx', join(root, 'model', 'escape.onnx'));
    mkdirSync(join(base, 'elsewhere'));
    writeFileSync(join(base, 'elsewhere', 'x.png'), 'outside too');
    dashboard = await startDashboard({ folders: [root], port: 0 });
    const page = await get(dashboard.port, `/?token=${dashboard.token}`);
    cookie = String(page.headers['set-cookie']).split(';')[0];
  });
  after(() => dashboard.close());

  test('binds 127.0.0.1 on a free port and prints a URL with a random token', () => {
    assert.equal(dashboard.host, '127.0.0.1');
    assert.ok(dashboard.port > 0);
    assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    assert.equal(dashboard.url, `http://127.0.0.1:${dashboard.port}/?token=${dashboard.token}`);
  });

  test('401 without the token, with a wrong one, or with another port cookie', async () => {
    for (const path of ['/', '/app.js', '/api/state', '/api/events', '/run/0/samples/0000_0.jpg', '/vendor/uplot.js', '/nothing']) {
      assert.equal((await get(dashboard.port, path)).status, 401, path);
    }
    assert.equal((await get(dashboard.port, `/?token=${dashboard.token.slice(1)}x`)).status, 401);
    assert.equal((await get(dashboard.port, '/app.js', { cookie: `cyclegan_token_1=${dashboard.token}` })).status, 401);
  });

  test('the page with ?token= sets a cookie that then opens every route', async () => {
    const page = await get(dashboard.port, `/?token=${dashboard.token}`);
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    for (const path of ['/', '/app.js', '/app.css', '/vendor/uplot.js', '/vendor/uplot.css', '/vendor/ort/ort.wasm.min.js', '/api/state']) {
      assert.equal((await get(dashboard.port, path, { cookie })).status, 200, path);
    }
    const wasm = await get(dashboard.port, '/vendor/ort/ort-wasm-simd-threaded.wasm', { cookie });
    assert.equal(wasm.headers['content-type'], 'application/wasm');
    assert.deepEqual(wasm.body.subarray(0, 4), Buffer.from([0, 0x61, 0x73, 0x6d]), 'a WebAssembly module');
  });

  test('serves the sample and model files of the run by name', async () => {
    const sample = await get(dashboard.port, '/run/0/samples/0000_0.jpg', { cookie });
    assert.equal(sample.status, 200);
    assert.equal(sample.headers['content-type'], 'image/jpeg');
    assert.deepEqual(sample.body, readFileSync(join(root, 'samples', '0000_0.jpg')));
    const model = await get(dashboard.port, '/run/0/model/CycleGan_epoch_2.onnx', { cookie });
    assert.deepEqual(model.body, readFileSync(join(root, 'model', 'CycleGan_epoch_2.onnx')));
  });

  test('404 for traversal, encoded traversal, symlinks out of the folder and anything not a route', async () => {
    const paths = [
      '/run/0/samples/../../secret.jpg',
      '/run/0/samples/../params.json',
      '/run/0/samples/%2e%2e/%2e%2e/secret.jpg',
      '/run/0/samples/..%2f..%2fsecret.jpg',
      '/run/0/samples/..%2F..%2Fsecret.jpg',
      '/run/0/samples/%2e%2e%2f%2e%2e%2fsecret.jpg',
      '/run/0/samples/%252e%252e%252fsecret.jpg',
      '/run/0/samples/..%5c..%5csecret.jpg',
      '/run/0/samples/..\\..\\secret.jpg',
      '/run/0/samples/0000_0.jpg%00.png',
      '/run/0/samples/%c0%ae%c0%ae/secret.jpg',
      '/run/0/samples/%',
      '/run/0/samples/escape.jpg',
      '/run/0/model/escape.onnx',
      '/run/0/samples/../../elsewhere/x.png',
      '/run/0/samples/%2Ftmp%2Fx.png',
      '/run/0/logs/train.jsonl',
      '/run/0/params.json',
      '/run/0/checkpoints/latest.safetensors',
      '/run/1/samples/0000_0.jpg',
      '/run/-1/samples/0000_0.jpg',
      '/run/0/samples/0000_0.jpg/',
      '/run/0/samples/.hidden.jpg',
      '/vendor/../package.json',
      '/vendor/ort/ort.node.min.js',
      '/vendor/%2e%2e/package.json',
      '/etc/passwd',
      '//etc/passwd',
    ];
    for (const path of paths) {
      const reply = await get(dashboard.port, path, { cookie });
      assert.equal(reply.status, 404, `${path} gave ${reply.status}: ${reply.body.toString().slice(0, 60)}`);
    }
  });

  test('only GET and HEAD', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dashboard.port, path: '/', method: 'POST', headers: { cookie } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('x');
    });
    assert.equal(status, 405);
  });

  test('the event stream starts with a snapshot and sends an appended line within a second', async () => {
    const messages: WireMessage[] = [];
    let buffer = '';
    const req = request({ host: '127.0.0.1', port: dashboard.port, path: '/api/events', headers: { cookie } }, (res) => {
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) messages.push(JSON.parse(data.slice(6)) as WireMessage);
        }
      });
    });
    req.end();
    const waitFor = async (check: () => boolean, ms: number) => {
      const until = Date.now() + ms;
      while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      return check();
    };
    try {
      assert.ok(await waitFor(() => messages.length > 0, 5000), 'a snapshot arrives');
      const first = messages[0];
      assert.equal(first.type, 'snapshot');
      if (first.type !== 'snapshot') return;
      assert.equal(first.runs[0].steps.length, 8);
      assert.deepEqual(first.runs[0].files.samples, ['0000_0.jpg', '0001_0.jpg'], 'the symlink out of the folder is not listed');
      assert.deepEqual(first.runs[0].files.params?.changed, ['image_height', 'image_width', 'max_epoch']);
      appendFileSync(join(root, 'logs', 'train.jsonl'), stepLine(3, 1, 4, 3) + '\n');
      const t0 = Date.now();
      assert.ok(await waitFor(() => messages.some((m) => m.type === 'append'), 1000), 'the appended line is streamed within a second');
      const append = messages.find((m) => m.type === 'append');
      assert.ok(append && append.type === 'append' && append.steps[0].x === 2.25, JSON.stringify(append));
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      req.destroy();
    }
  });
});

describe('dashboard server options', () => {
  test('a missing folder, a file, a bad port and a busy port are clear errors', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(startDashboard({ folders: [join(dir, 'nope')] }), (e) => e instanceof ConfigError && e.message === `Expected a run folder (the --out of cyclegan train) but ${join(dir, 'nope')} does not exist`);
    await assert.rejects(startDashboard({ folders: [join(dir, 'file')] }), (e) => e instanceof ConfigError && /is not a folder/.test(e.message));
    await assert.rejects(startDashboard({ folders: [] }), (e) => e instanceof ConfigError && /Missing the run folder/.test(e.message));
    await assert.rejects(startDashboard({ folders: [dir], port: 70000 }), (e) => e instanceof ConfigError && e.message === 'Expected an integer from 0 to 65535 for port but received 70000');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startDashboard({ folders: [dir], port }), (e) => e instanceof ConfigError && e.message === `port ${port} on 127.0.0.1 is in use: choose another with --port, or --port 0 for a free one`);
    } finally {
      blocker.close();
    }
  });

  test('several folders are served side by side, same names numbered', async () => {
    const a = join(tempDir(), 'run');
    const b = join(tempDir(), 'run');
    await writeRunFixture(a, 1);
    await writeRunFixture(b, 3);
    const dashboard = await startDashboard({ folders: [a, b] });
    try {
      const state = JSON.parse((await get(dashboard.port, `/api/state?token=${dashboard.token}`)).body.toString()) as WireMessage;
      assert.ok(state.type === 'snapshot');
      assert.deepEqual(
        state.runs.map((r) => [r.name, r.steps.length]),
        [
          ['run', 4],
          ['run (2)', 12],
        ],
      );
      assert.equal((await get(dashboard.port, `/run/1/samples/0002_0.jpg?token=${dashboard.token}`)).status, 200);
      assert.equal((await get(dashboard.port, `/run/0/samples/0002_0.jpg?token=${dashboard.token}`)).status, 404);
    } finally {
      await dashboard.close();
    }
  });
});
