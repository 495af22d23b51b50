// Train, predict and resume through object storage against a real S3 server (s3rver on 127.0.0.1):
// inputs from the bucket, every output file in the bucket with the manifest naming object URLs,
// a run continued on a "fresh machine" (empty cache) from the bucket alone ending bit-identical to an
// uninterrupted local run, and a server stopped in the middle of an upload: restarted within the
// retries, the run completes; down for good, the run fails with one line, keeps its files, and the
// same command completes it once the server is back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveParameters } from '../../src/config/resolve.js';
import { StorageError } from '../../src/errors.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { predict } from '../../src/predict/predict.js';
import type { RunEvent } from '../../src/io/events.js';
import { train } from '../../src/train/trainer.js';
import { withObjectStorage, type ObjectStorageOptions } from '../../src/storage/with_object_storage.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { startS3Server, type S3TestServer } from '../helpers/s3_server.js';
import { createBucket, getObject, listKeys, putFolder, testClient, useTestCredentials } from '../helpers/s3_env.js';

const parameters = resolveParameters(tinyParameters);
const source = 's3://runs/data/flat';
const target = 's3://runs/data/target';

function tensorsOf(bytes: Buffer): Map<string, { data: unknown }> {
  const file = join(tempDir(), 'checkpoint.safetensors');
  writeFileSync(file, bytes);
  return readSafetensors(file).tensors as Map<string, { data: unknown }>;
}

function assertSameTensors(actual: Map<string, { data: unknown }>, expected: Map<string, { data: unknown }>, what: string): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, t] of expected) assert.deepEqual(actual.get(name)!.data, t.data, `${name} differs ${what}`);
}

/** The CLI in a child process; asynchronously, since the S3 server it talks to runs in this process. */
function runCli(args: string[], options: { env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: options.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

async function pixels(bytes: Buffer): Promise<Buffer> {
  return (await sharp(bytes).raw().toBuffer({ resolveWithObject: true })).data;
}

describe('runs on object storage', () => {
  let server: S3TestServer;
  const client = () => testClient(server);
  const reference = join(tempDir(), 'reference');
  let referenceCheckpoint: Map<string, { data: unknown }>;
  const options = (extra: Partial<ObjectStorageOptions> = {}): ObjectStorageOptions => ({ mode: 'train', endpoint: server.endpoint, cacheDir: tempDir(), retry: { attempts: 8, baseDelayMs: 100, maxDelayMs: 1000 }, ...extra });
  const trainOn = (out: string, o: ObjectStorageOptions, signal?: AbortSignal) => withObjectStorage({ source, target, out }, o, (local, onEvent) => train({ ...local, parameters, onEvent, signal }));

  before(async () => {
    useTestCredentials();
    server = await startS3Server();
    await createBucket(client(), 'runs');
    await putFolder(client(), fixtures.flat, 'runs', 'data/flat');
    await putFolder(client(), fixtures.target, 'runs', 'data/target');
    await train({ source: fixtures.flat, target: fixtures.target, out: reference, parameters });
    referenceCheckpoint = readSafetensors(join(reference, 'checkpoints', 'latest.safetensors')).tensors as Map<string, { data: unknown }>;
  });
  after(async () => {
    await server.stop();
  });

  test('train from and to a bucket: every output file is there, the manifest names object URLs, the weights equal a local run', async () => {
    const events: RunEvent[] = [];
    const result = await trainOn('s3://runs/results/a', options({ onEvent: (e) => events.push(e) }));
    assert.equal(result.completed, true);
    const keys = (await listKeys(client(), 'runs', 'results/a/')).map((k) => k.slice('results/a/'.length));
    const expected = (readdirSync(reference, { recursive: true }) as string[]).filter((f) => f.includes('.')).map((f) => f.split('\\').join('/')).sort();
    assert.deepEqual(keys, expected, 'the bucket holds the same files as a local run folder');
    assertSameTensors(tensorsOf(await getObject(client(), 'runs', 'results/a/checkpoints/latest.safetensors')), referenceCheckpoint, 'from the local run');

    const manifest = (await getObject(client(), 'runs', 'results/a/output_0.manifest')).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    const local = readFileSync(join(reference, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(manifest.length, local.length);
    for (const [i, line] of manifest.entries()) {
      assert.equal(line.source, `s3://runs/results/a/Data/${line.id}.jpg`);
      assert.ok(keys.includes(`Data/${line.id}.jpg`));
      assert.equal(line.original, `s3://runs/data/flat/${local[i].original.split('/').at(-1)}`);
    }
    const report = JSON.parse((await getObject(client(), 'runs', 'results/a/validation_report.json')).toString('utf8'));
    assert.equal(report.domains.source.input, source);
    assert.ok(report.domains.source.rejected.length >= 3);
    for (const r of report.domains.source.rejected) assert.match(r.path, /^s3:\/\/runs\/data\/flat\/broken_|^s3:\/\/runs\/data\/flat\/[^/]+$/);

    assert.deepEqual(events.at(-1), { ...events.at(-1), type: 'done', outDir: 's3://runs/results/a' }, "'done' comes last, after the uploads, naming the address");
    assert.ok(events.some((e) => e.type === 'transfer' && e.direction === 'upload' && e.url === 's3://runs/results/a'));
    const saved = events.find((e) => e.type === 'saved');
    assert.ok(saved && saved.type === 'saved' && saved.files.every((f) => f.startsWith('s3://runs/results/a/')), 'saved files are named by address');
  });

  test('predict with --resume s3://.../model.safetensors writes Data/ matching the training run within 1/255', async () => {
    const resume = 's3://runs/results/a/model/CycleGan_epoch_2.safetensors';
    const p = resolveParameters({ predict: true, resume, threads: 1 });
    const result = await withObjectStorage({ source, out: 's3://runs/results/predicted', resume }, options({ mode: 'predict' }), (local) => predict({ ...local, resume: local.resume!, parameters: p }));
    const trained = (await listKeys(client(), 'runs', 'results/a/Data/')).map((k) => k.split('/').at(-1)!);
    assert.equal(result.generated, trained.length);
    for (const name of trained) {
      const [a, b] = await Promise.all([getObject(client(), 'runs', `results/a/Data/${name}`).then(pixels), getObject(client(), 'runs', `results/predicted/Data/${name}`).then(pixels)]);
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1, `${name} differs at byte ${i}`);
    }
    const manifest = (await getObject(client(), 'runs', 'results/predicted/output_0.manifest')).toString('utf8');
    assert.match(manifest, /"source":"s3:\/\/runs\/results\/predicted\/Data\/CycleGan_0_0\.jpg"/);
  });

  test('an interrupted run continues on a fresh machine (empty cache) from the bucket alone, bit-identical', async () => {
    const controller = new AbortController();
    const out = 's3://runs/results/resumed';
    const first = await trainOn(out, options({ onEvent: (e) => e.type === 'step' && e.globalStep === 3 && controller.abort() }), controller.signal);
    assert.equal(first.completed, false);
    const events: RunEvent[] = [];
    const second = await trainOn(out, options({ onEvent: (e) => events.push(e) }));
    assert.equal(second.completed, true);
    const start = events.find((e) => e.type === 'start');
    assert.ok(start && start.type === 'start' && start.resumed, 'the second run resumed from the checkpoint it downloaded');
    assertSameTensors(tensorsOf(await getObject(client(), 'runs', 'results/resumed/checkpoints/latest.safetensors')), referenceCheckpoint, 'after resuming from the bucket');
    const steps = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'step').map((e) => e.globalStep);
    const log = steps((await getObject(client(), 'runs', 'results/resumed/logs/train.jsonl')).toString('utf8'));
    assert.deepEqual(log, steps(readFileSync(join(reference, 'logs', 'train.jsonl'), 'utf8')), 'the log continues the downloaded one, every step once');
  });

  test('the server stopped in the middle of the checkpoint upload and restarted: the upload is retried and the run completes', async () => {
    const out = 's3://runs/results/outage';
    const cut = server.interceptOnce(/^PUT \/runs\/results\/outage\/checkpoints\/latest\.safetensors$/, 1500);
    const warnings: string[] = [];
    const result = await trainOn(out, options({ onEvent: (e) => e.type === 'warning' && warnings.push(e.message) }));
    assert.equal(result.completed, true);
    assert.equal(await cut, 'PUT /runs/results/outage/checkpoints/latest.safetensors', 'the upload was cut off');
    assert.deepEqual(warnings, [], 'retries within the policy are silent');
    assert.deepEqual(await getObject(client(), 'runs', 'results/outage/checkpoints/latest.safetensors'), readFileSync(join(result.folder.latestCheckpoint)));
    assertSameTensors(tensorsOf(await getObject(client(), 'runs', 'results/outage/checkpoints/latest.safetensors')), referenceCheckpoint, 'after the outage');
  });

  test('the server gone for good: one line naming the address, the local copies kept, the same command completes once it is back', async () => {
    const out = 's3://runs/results/down';
    const o = options({ retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 } });
    const cut = server.interceptOnce(/^PUT \/runs\/results\/down\/model\/CycleGan_epoch_2\.safetensors$/, null);
    const error = await trainOn(out, o).then(() => null, (e: unknown) => e);
    await cut;
    assert.ok(error instanceof StorageError, String(error));
    const kept = /They are kept in (\S+);/.exec(error.message)?.[1];
    assert.match(error.message, /^\d+ file\(s\) could not be uploaded to s3:\/\/runs\/results\/down \(cannot upload s3:\/\/runs\/results\/down\/.* cannot be reached/);
    assert.ok(!error.message.includes('\n'));
    await server.start();
    assert.ok(kept && existsSync(join(kept, 'checkpoints', 'latest.safetensors')) && existsSync(join(kept, 'model', 'CycleGan_epoch_2.safetensors')), `the local copies are kept: ${error.message}`);

    const again = await trainOn(out, o);
    assert.equal(again.completed, true);
    const keys = (await listKeys(client(), 'runs', 'results/down/')).map((k) => k.slice('results/down/'.length));
    for (const f of ['model/CycleGan_epoch_2.safetensors', 'checkpoints/latest.safetensors', 'output_0.manifest', 'Data/CycleGan_0_0.jpg']) assert.ok(keys.includes(f), `${f} uploaded by the second run`);
    assertSameTensors(tensorsOf(await getObject(client(), 'runs', 'results/down/checkpoints/latest.safetensors')), referenceCheckpoint, 'after the second run');
  });

  test('the CLI: predict on addresses with --s3_endpoint, and a missing bucket or wrong secret as one line on stderr', async () => {
    const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
    const env = { ...process.env, CYCLEGAN_CACHE_DIR: tempDir() };
    const args = ['predict', '--resume', 's3://runs/results/a/model/CycleGan_epoch_2.safetensors', '--source', source, '--s3_endpoint', server.endpoint, '--threads', '1'];
    const ok = await runCli([cli, ...args, '--out', 's3://runs/results/cli'], { env });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stderr, /done in .*: \d+ images in s3:\/\/runs\/results\/cli\/Data/);

    const missing = await runCli([cli, ...args, '--out', 's3://no-such-bucket/out'], { env });
    assert.equal(missing.status, 1);
    assert.equal(missing.stderr, `cyclegan: cannot list s3://no-such-bucket/out: bucket 'no-such-bucket' does not exist at ${server.endpoint}. Create it first, or check the bucket name and --s3_endpoint\n`);

    const wrong = await runCli([cli, ...args, '--out', 's3://runs/results/cli2'], { env: { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' } });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^cyclegan: cannot list s3:\/\/runs\/results\/cli2: the S3 endpoint http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(SignatureDoesNotMatch[^\n]*\n$/);
  });
});
