// Inputs from object storage against a real S3 server (s3rver on 127.0.0.1): a prefix is downloaded
// into the cache once, reused while its ETags hold, and a rewritten object is downloaded again; a
// manifest's s3:// lines and a bucket manifest's relative lines are read from their copies; wrong
// credentials, a missing bucket and an unreachable endpoint each give one line naming the address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../../src/errors.js';
import { scanInput } from '../../src/data/scan.js';
import type { RunEvent } from '../../src/io/events.js';
import { withObjectStorage, type ObjectStorageOptions } from '../../src/storage/with_object_storage.js';
import { fixtures } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';
import { startS3Server, type S3TestServer } from '../helpers/s3_server.js';
import { createBucket, putFolder, putObject, testClient, useTestCredentials } from '../helpers/s3_env.js';

const fastRetry = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 };

/** Stages `source` and returns its local path, the events and the GET requests the server saw meanwhile. */
async function stage(server: S3TestServer, source: string, options: Partial<ObjectStorageOptions> = {}) {
  const events: RunEvent[] = [];
  const seen = server.requests.length;
  const local = await withObjectStorage({ source, out: join(tempDir(), 'out') }, { mode: 'predict', endpoint: server.endpoint, retry: fastRetry, onEvent: (e) => events.push(e), ...options }, async (paths) => paths.source);
  const gets = server.requests.slice(seen).filter((r) => r.startsWith('GET ') && !r.endsWith('/data') && r.split('/').length > 3);
  return { local, events, gets };
}

describe('object storage inputs', () => {
  let server: S3TestServer;
  const client = () => testClient(server);
  let targetKeys: string[] = [];

  before(async () => {
    useTestCredentials();
    server = await startS3Server();
    await createBucket(client(), 'inputs');
    targetKeys = await putFolder(client(), fixtures.target, 'inputs', 'data/target');
    await putFolder(client(), fixtures.classes, 'inputs', 'data/classes');
  });
  after(async () => {
    await server.stop();
  });

  test('a prefix is copied once into the cache keyed by ETag, and a rewritten object is downloaded again', async () => {
    const cacheDir = tempDir();
    const first = await stage(server, 's3://inputs/data/target', { cacheDir });
    assert.deepEqual(readdirSync(first.local).sort(), readdirSync(fixtures.target).sort());
    for (const name of readdirSync(fixtures.target)) assert.deepEqual(readFileSync(join(first.local, name)), readFileSync(join(fixtures.target, name)));
    assert.equal(first.gets.length, targetKeys.length, `one GET per object: ${first.gets.join(', ')}`);
    const progress = first.events.filter((e) => e.type === 'transfer');
    assert.deepEqual(progress.at(-1), { type: 'transfer', direction: 'download', done: 4, total: 4, bytes: progress.at(-1)!.type === 'transfer' ? (progress.at(-1) as { bytes: number }).bytes : 0, url: 's3://inputs/data/target' });

    const again = await stage(server, 's3://inputs/data/target', { cacheDir });
    assert.equal(again.local, first.local);
    assert.deepEqual(again.gets, [], 'nothing is downloaded while the ETags hold');

    const replacement = readFileSync(join(fixtures.target, 't_1.png'));
    await putObject(client(), 'inputs', 'data/target/t_2.png', replacement);
    const changed = await stage(server, 's3://inputs/data/target', { cacheDir });
    assert.deepEqual(changed.gets, ['GET /inputs/data/target/t_2.png']);
    assert.deepEqual(readFileSync(join(changed.local, 't_2.png')), replacement);
    await putObject(client(), 'inputs', 'data/target/t_2.png', readFileSync(join(fixtures.target, 't_2.png')));
  });

  test('class folders keep their layout, and the scan sees the same classes as the local fixture', async () => {
    const { local } = await stage(server, 's3://inputs/data/classes/', { cacheDir: tempDir() });
    const remote = await scanInput(local);
    const original = await scanInput(fixtures.classes);
    assert.deepEqual(remote.classes, original.classes);
    assert.deepEqual(
      remote.files.map((f) => [f.className, f.path.slice(local.length)]),
      original.files.map((f) => [f.className, f.path.slice(original.path.length)]),
    );
  });

  test('an object deleted from the bucket leaves the local copy too', async () => {
    const cacheDir = tempDir();
    await putObject(client(), 'inputs', 'data/gone/a.png', readFileSync(join(fixtures.target, 't_1.png')));
    await putObject(client(), 'inputs', 'data/gone/b.png', readFileSync(join(fixtures.target, 't_2.png')));
    const { local } = await stage(server, 's3://inputs/data/gone', { cacheDir });
    assert.deepEqual(readdirSync(local).sort(), ['a.png', 'b.png']);
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await client().send(new DeleteObjectCommand({ Bucket: 'inputs', Key: 'data/gone/b.png' }));
    await stage(server, 's3://inputs/data/gone', { cacheDir });
    assert.deepEqual(readdirSync(local).sort(), ['a.png']);
  });

  test("a local manifest's s3:// lines and a bucket manifest's relative lines are read from their copies", async () => {
    const cacheDir = tempDir();
    const manifest = join(tempDir(), 'train.manifest');
    writeFileSync(manifest, targetKeys.map((k) => JSON.stringify({ source: `s3://inputs/${k}`, annotation: [{ name: 'night' }] })).join('\n') + '\n');
    const listing = await withObjectStorage({ source: manifest, out: join(tempDir(), 'o') }, { mode: 'predict', endpoint: server.endpoint, cacheDir, retry: fastRetry }, (paths) => scanInput(paths.source));
    assert.equal(listing.files.length, targetKeys.length);
    for (const f of listing.files) {
      assert.ok(f.path.startsWith(cacheDir) && existsSync(f.path), `${f.path} is a copy in the cache`);
      assert.deepEqual(readFileSync(f.path), readFileSync(join(fixtures.target, f.path.split('/').at(-1)!)));
    }

    await putObject(client(), 'inputs', 'data/lists/relative.manifest', targetKeys.map((k) => JSON.stringify({ source: `../target/${k.split('/').at(-1)}` })).join('\n'));
    const remote = await withObjectStorage({ source: 's3://inputs/data/lists/relative.manifest', out: join(tempDir(), 'o') }, { mode: 'predict', endpoint: server.endpoint, cacheDir: tempDir(), retry: fastRetry }, (paths) => scanInput(paths.source));
    assert.equal(remote.layout, 'manifest');
    assert.deepEqual(
      remote.files.map((f) => readFileSync(f.path)),
      readdirSync(fixtures.target).sort().map((n) => readFileSync(join(fixtures.target, n))),
    );
  });

  test("a bucket manifest's line cannot reach files of this machine through '../'", async () => {
    await putObject(client(), 'inputs', 'data/lists/escape.manifest', '{"source": "../target/t_1.png"}\n{"source": "../../../../../../../../etc/hostname"}\n');
    await assert.rejects(
      withObjectStorage({ source: 's3://inputs/data/lists/escape.manifest', out: join(tempDir(), 'o') }, { mode: 'predict', endpoint: server.endpoint, cacheDir: tempDir(), retry: fastRetry }, (paths) => scanInput(paths.source)),
      { name: 'DatasetError', message: "Manifest s3://inputs/data/lists/escape.manifest line 2 names ../../../../../../../../etc/hostname, which leaves the manifest's bucket; name objects in the bucket or give s3:// addresses" },
    );
  });

  test('without object storage a manifest line naming s3:// is still refused as not local', async () => {
    const manifest = join(tempDir(), 'x.manifest');
    writeFileSync(manifest, '{"source": "s3://inputs/data/target/t_1.png"}\n');
    await assert.rejects(scanInput(manifest), /points at s3:\/\/inputs\/data\/target\/t_1.png, which is not a local file/);
  });

  test('a missing bucket is one line naming the address', async () => {
    const error = await stage(server, 's3://no-such-bucket/data', { cacheDir: tempDir() }).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof StorageError, String(error));
    assert.equal(error.message, `cannot list s3://no-such-bucket/data: bucket 'no-such-bucket' does not exist at ${server.endpoint}. Create it first, or check the bucket name and --s3_endpoint`);
  });

  test('an address with no images under it says so', async () => {
    await assert.rejects(stage(server, 's3://inputs/nothing-here', { cacheDir: tempDir() }), /s3:\/\/inputs\/nothing-here holds no images/);
  });

  test('a wrong secret and an unknown key are each one line naming the address', async () => {
    try {
      useTestCredentials({ accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' });
      const before = server.rejected.length;
      const wrongSecret = await stage(server, 's3://inputs/data/target', { cacheDir: tempDir() }).then(() => null, (e: unknown) => e);
      assert.ok(wrongSecret instanceof StorageError, String(wrongSecret));
      assert.match(wrongSecret.message, /^cannot list s3:\/\/inputs\/data\/target: the S3 endpoint http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(SignatureDoesNotMatch \(HTTP 403\): The request signature/);
      assert.ok(!wrongSecret.message.includes('\n'));
      assert.equal(server.rejected.length, before + 1, 'the server checked the signature and refused it, once (not retried)');

      useTestCredentials({ accessKeyId: 'nobody', secretAccessKey: 'S3RVER' });
      await assert.rejects(stage(server, 's3://inputs/data/target', { cacheDir: tempDir() }), (e: unknown) => e instanceof StorageError && /^cannot list s3:\/\/inputs\/data\/target: .* rejected the credentials \(InvalidAccessKeyId/.test(e.message));
    } finally {
      useTestCredentials();
    }
  });

  test('an unreachable endpoint is retried with backoff, then one line naming the address and the endpoint', async () => {
    const down = await startS3Server();
    await down.stop();
    const started = Date.now();
    const error = await stage(down, 's3://inputs/data/target', { cacheDir: tempDir(), retry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 } }).then(() => null, (e: unknown) => e);
    assert.ok(error instanceof StorageError, String(error));
    assert.match(error.message, new RegExp(`^cannot list s3://inputs/data/target: the S3 endpoint ${down.endpoint.replace(/\./g, '\\.')} cannot be reached \\(ECONNREFUSED.*\\) after 3 attempts over [\\d.]+ s\\. Check --s3_endpoint`));
    // Two waits of 100-200 ms and 200-400 ms (each jittered down by up to half).
    assert.ok(Date.now() - started >= 300, `waited ${Date.now() - started} ms between attempts`);
  });

  test('obs:// addresses need an endpoint', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await assert.rejects(
      withObjectStorage({ source: 'obs://inputs/data', out: tempDir() }, { mode: 'predict', cacheDir: tempDir() }, async () => 0),
      /obs:\/\/inputs\/data needs the OBS endpoint: pass --s3_endpoint/,
    );
  });
});
