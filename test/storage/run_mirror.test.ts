// The output mirror on its own, with a stand-in run that writes files and emits events (no training):
// what is uploaded when, the checkpoint after the files it belongs with, hidden and temporary files
// never, and on opening the bucket as the truth (a checkpoint another machine wrote replaces the
// local one; a scratch folder cleared by hand gets the checkpoint back).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventSink } from '../../src/io/events.js';
import { withObjectStorage, type ObjectStorageOptions } from '../../src/storage/with_object_storage.js';
import { tempDir } from '../helpers/reference.js';
import { startS3Server, type S3TestServer } from '../helpers/s3_server.js';
import { createBucket, getObject, listKeys, putObject, testClient, useTestCredentials } from '../helpers/s3_env.js';

/** A run that writes `files` (relative path -> content) into its output folder, then emits `saved` and returns the folder. */
function fakeRun(files: Record<string, string>) {
  return async (local: { out: string }, onEvent: EventSink): Promise<string> => {
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(join(local.out, rel, '..'), { recursive: true });
      writeFileSync(join(local.out, rel), content);
    }
    onEvent({ type: 'saved', epoch: 1, files: [] });
    return local.out;
  };
}

describe('the output mirror', () => {
  let server: S3TestServer;
  const client = () => testClient(server);
  const options = (cacheDir: string): ObjectStorageOptions => ({ mode: 'train', endpoint: server.endpoint, cacheDir, retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } });
  const paths = (out: string) => ({ source: join(tempDir(), 'unused'), out });

  before(async () => {
    useTestCredentials();
    server = await startS3Server();
    await createBucket(client(), 'mirror');
  });
  after(async () => {
    await server.stop();
  });

  test('files are uploaded whole, the checkpoint after the others, hidden and temporary files never', async () => {
    const seen = server.requests.length;
    await withObjectStorage(paths('s3://mirror/a'), options(tempDir()), fakeRun({ 'checkpoints/latest.safetensors': 'ckpt', 'model/m.safetensors': 'model', 'logs/train.jsonl': '{}\n', '.cyclegan.lock': 'x', 'model/.m.onnx.123.tmp': 'half' }));
    assert.deepEqual(await listKeys(client(), 'mirror', 'a/'), ['a/checkpoints/latest.safetensors', 'a/logs/train.jsonl', 'a/model/m.safetensors']);
    const puts = server.requests.slice(seen).filter((r) => r.startsWith('PUT '));
    assert.equal(puts.at(-1), 'PUT /mirror/a/checkpoints/latest.safetensors', `the checkpoint goes last: ${puts.join(', ')}`);
    assert.equal(puts.length, 3, 'each file once: the last pass finds nothing new');
  });

  test('a checkpoint another machine wrote since replaces the local one; unchanged files are not downloaded again', async () => {
    const cacheDir = tempDir();
    const first = await withObjectStorage(paths('s3://mirror/b'), options(cacheDir), fakeRun({ 'checkpoints/latest.safetensors': 'epoch 1', 'params.json': '{}' }));
    assert.equal(readFileSync(join(first, 'checkpoints', 'latest.safetensors'), 'utf8'), 'epoch 1');
    await putObject(client(), 'mirror', 'b/checkpoints/latest.safetensors', 'epoch 2 (elsewhere)');
    const seen = server.requests.length;
    const second = await withObjectStorage(paths('s3://mirror/b'), options(cacheDir), async (local) => readFileSync(join(local.out, 'checkpoints', 'latest.safetensors'), 'utf8'));
    assert.equal(second, 'epoch 2 (elsewhere)');
    assert.deepEqual(server.requests.slice(seen).filter((r) => r.startsWith('GET /mirror/b/')), ['GET /mirror/b/checkpoints/latest.safetensors']);
  });

  test('a scratch folder cleared by hand gets the checkpoint back from the bucket', async () => {
    const cacheDir = tempDir();
    const scratch = await withObjectStorage(paths('s3://mirror/c'), options(cacheDir), fakeRun({ 'checkpoints/latest.safetensors': 'state' }));
    rmSync(scratch, { recursive: true });
    const again = await withObjectStorage(paths('s3://mirror/c'), options(cacheDir), async (local) => readFileSync(join(local.out, 'checkpoints', 'latest.safetensors'), 'utf8'));
    assert.equal(again, 'state');
  });

  test('a file never uploaded (the server was down) is kept over the bucket and uploaded by the next run', async () => {
    const cacheDir = tempDir();
    await withObjectStorage(paths('s3://mirror/d'), options(cacheDir), fakeRun({ 'checkpoints/latest.safetensors': 'old' }));
    const cut = server.interceptOnce(/^PUT \/mirror\/d\/checkpoints/, null);
    await assert.rejects(withObjectStorage(paths('s3://mirror/d'), options(cacheDir), fakeRun({ 'checkpoints/latest.safetensors': 'newer, not uploaded' })), /could not be uploaded to s3:\/\/mirror\/d/);
    await cut;
    await server.start();
    const warnings: string[] = [];
    const kept = await withObjectStorage(paths('s3://mirror/d'), { ...options(cacheDir), onEvent: (e) => e.type === 'warning' && warnings.push(e.message) }, async (local) => readFileSync(join(local.out, 'checkpoints', 'latest.safetensors'), 'utf8'));
    assert.equal(kept, 'newer, not uploaded');
    assert.match(warnings.join('\n'), /1 file\(s\) of an earlier run to s3:\/\/mirror\/d were never uploaded; they are kept in .* and uploaded now: checkpoints\/latest.safetensors/);
    assert.equal((await getObject(client(), 'mirror', 'd/checkpoints/latest.safetensors')).toString(), 'newer, not uploaded');
  });
});
