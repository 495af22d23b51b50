// Data-parallel training equals one process with the whole batch: 2 ranks x batch_size 1 end with the
// weights and optimizer state of 1 process x batch_size 2 (pool_size 0, flip false). Instance norm is per
// image and the losses are means over images, so the averaged gradient is the batch-of-2 gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { readSafetensors, type StoredTensor } from '../../src/io/safetensors.js';
import { train } from '../../src/train/trainer.js';
import { maxAbsDiff } from '../helpers/assert_close.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { freePort } from '../../src/io/free_port.js';

const worker = join(repoRoot, 'dist', 'test', 'train', 'distributed_train_worker.js');
const base = { ...tinyParameters, pool_size: 0, flip: false, max_epoch: 1 };

interface WorkerResult {
  rank: number;
  completed?: boolean;
  generated?: number;
  steps?: number[];
  losses?: Record<string, number>[];
  error?: string;
}

async function runRanks(out: string, parameters: Record<string, unknown>, env: Record<string, string> = {}): Promise<WorkerResult[]> {
  const port = String(await freePort());
  const one = (rank: number): Promise<WorkerResult> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [worker], {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: '2', MASTER_PORT: port, OUT: out, SOURCE: fixtures.flat, TARGET: fixtures.target, PARAMS: JSON.stringify(parameters), ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('close', (code) => resolve({ ...(JSON.parse(text.trim().split('\n').pop() ?? '{}') as WorkerResult), ...(code === 0 ? {} : { error: `exit ${code}: ${text}` }) }));
    });
  return Promise.all([one(0), one(1)]);
}

/**
 * Conv biases followed by instance norm: the norm subtracts each channel's mean, so their gradient is zero on
 * paper and in practice rounding noise, which Adam's first step scales to about +-lr. Their values differ between
 * any two summation orders (one process with 1 thread against 2 threads shows the same 20 tensors), so they are
 * held to that bound instead; they have no effect on any output.
 */
const normedBias = /^net(G_[AB]\.model\.(1|4|7|11|14|10\.conv_block\.[15])|D_[AB]\.model\.(2|5|8))\.bias$/;

function assertSameTensors(actualFile: string, expectedFile: string, tolerance: number, noiseBound: number): void {
  const actual = readSafetensors(actualFile).tensors;
  const expected = readSafetensors(expectedFile).tensors;
  const names = [...expected.keys()].filter((n) => n.startsWith('net'));
  assert.equal(names.length, 52);
  assert.equal(names.filter((n) => normedBias.test(n)).length, 20);
  for (const name of names) {
    const a = actual.get(name);
    assert.ok(a, `${actualFile} lacks ${name}`);
    const e = expected.get(name)!;
    const d = maxAbsDiff(new Float32Array(a.data.buffer, a.data.byteOffset, a.data.byteLength / 4), new Float32Array(e.data.buffer, e.data.byteOffset, e.data.byteLength / 4));
    const bound = normedBias.test(name) ? noiseBound : tolerance;
    assert.ok(d <= bound, `${name}: max |2 ranks - 1 process| = ${d}, more than ${bound}`);
  }
}

test('2 ranks x batch_size 1 take the step of 1 process x batch_size 2', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const single = join(dir, 'single');
  const controller = new AbortController();
  const singleLosses: Record<string, number>[] = [];
  await train({
    source: fixtures.flat,
    target: fixtures.target,
    out: single,
    parameters: resolveParameters({ ...base, batch_size: 2 }),
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type !== 'step') return;
      singleLosses.push(e.losses);
      controller.abort();
    },
  });
  const ranks = await runRanks(join(dir, 'ddp'), { ...base, batch_size: 1 }, { STOP_AT: '1' });
  for (const r of ranks) assert.equal(r.error, undefined, r.error);
  // The stop was asked of rank 0 only; both stopped after step 1.
  assert.deepEqual(ranks.map((r) => [r.completed, r.steps]), [
    [false, [1]],
    [false, [1]],
  ]);
  // Each rank's losses are means over its image: their mean is the batch's loss.
  for (const [name, value] of Object.entries(singleLosses[0])) {
    const mean = (ranks[0].losses![0][name] + ranks[1].losses![0][name]) / 2;
    assert.ok(Math.abs(mean - value) <= 1e-5 * Math.abs(value), `${name}: mean over ranks ${mean}, one process ${value}`);
  }
  const lr = Math.max(resolveParameters(base).g_learning_rate, resolveParameters(base).d_learning_rate);
  assertSameTensors(join(dir, 'ddp', 'checkpoints', 'latest.safetensors'), join(single, 'checkpoints', 'latest.safetensors'), 1e-5, 2 * lr);
});

test('a whole epoch on 2 ranks: identical weights on both after every step, rank 1 empty in the last step, Data/ merged in order', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  const single = join(dir, 'single');
  const one = await train({ source: fixtures.flat, target: fixtures.target, out: single, parameters: resolveParameters({ ...base, batch_size: 2 }) });
  const ranks = await runRanks(join(dir, 'ddp'), { ...base, batch_size: 1 });
  for (const r of ranks) assert.equal(r.error, undefined, r.error);
  assert.deepEqual(ranks.map((r) => r.completed), [true, true]);
  // 9 usable source images: 5 steps of 2; the fifth holds one image, rank 0's.
  assert.deepEqual(ranks[0].steps, [1, 2, 3, 4, 5]);
  assert.deepEqual(ranks[1].steps, [1, 2, 3, 4]);
  // After the first step, rounding noise (see normedBias) moves runs apart by up to about lr per step, so
  // five steps are only held to that: a wrong average or a skipped update would be far outside it.
  const lr = Math.max(resolveParameters(base).g_learning_rate, resolveParameters(base).d_learning_rate);
  assertSameTensors(join(dir, 'ddp', 'checkpoints', 'latest.safetensors'), join(single, 'checkpoints', 'latest.safetensors'), 5 * 2 * lr, 5 * 2 * lr);
  // Rank 0 alone wrote the run folder; the manifest lists the same images in the same order.
  assert.equal(ranks[0].generated, one.generated);
  assert.equal(ranks[1].generated, 0);
  const ids = (folder: string): string[] => readFileSync(join(folder, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id?: string }).id ?? l);
  assert.deepEqual(ids(join(dir, 'ddp')), ids(single));
  assert.deepEqual(readdirSync(join(dir, 'ddp', 'Data')).sort(), readdirSync(join(single, 'Data')).sort());
  assert.ok(existsSync(join(dir, 'ddp', 'model')));
});

test('averaging G\'s gradients while D computes (overlap) gives the same bits as the plain order', { timeout: 300_000 }, async () => {
  const dir = tempDir();
  // Image pools in use (pool_size 2: full after one step, then drawn from), 3 steps, stopped with a checkpoint.
  const parameters = { ...base, batch_size: 1, pool_size: 2 };
  const overlapped = await runRanks(join(dir, 'overlap'), parameters, { STOP_AT: '3' });
  const plain = await runRanks(join(dir, 'plain'), parameters, { STOP_AT: '3', OVERLAP: '0' });
  for (const r of [...overlapped, ...plain]) assert.equal(r.error, undefined, r.error);
  assert.deepEqual(overlapped.map((r) => r.steps), [[1, 2, 3], [1, 2, 3]]);
  assert.deepEqual(overlapped.map((r) => r.losses), plain.map((r) => r.losses));
  const a = readSafetensors(join(dir, 'overlap', 'checkpoints', 'latest.safetensors')).tensors;
  const b = readSafetensors(join(dir, 'plain', 'checkpoints', 'latest.safetensors')).tensors;
  // Weights, Adam moments and both ranks' pools.
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  assert.ok([...a.keys()].some((n) => n.startsWith('pool.rank1.')), 'the checkpoint holds rank 1\'s pool');
  const bytes = (t: StoredTensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  for (const [name, t] of a) assert.ok(Buffer.compare(bytes(t), bytes(b.get(name)!)) === 0, `${name} differs between the overlapped and the plain order`);
});

test('metrics in a 2-rank run: rank 0 evaluates after each epoch while rank 1 waits, with the rows of a single-process run', { timeout: 600_000 }, async () => {
  const dir = tempDir();
  const parameters = { ...base, max_epoch: 2, eval_images: 3 };
  await train({ source: fixtures.flat, target: fixtures.target, out: join(dir, 'single'), parameters: resolveParameters({ ...parameters, batch_size: 2 }) });
  const ranks = await runRanks(join(dir, 'ddp'), { ...parameters, batch_size: 1 });
  for (const r of ranks) assert.equal(r.error, undefined, r.error);
  assert.deepEqual(ranks.map((r) => r.completed), [true, true]);
  const logged = (folder: string) => readFileSync(join(folder, 'logs', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const metrics = (folder: string) => logged(folder).filter((l) => l.type === 'metrics') as unknown as MetricsRow[];
  const ddp = metrics(join(dir, 'ddp'));
  const single = metrics(join(dir, 'single'));
  assert.deepEqual(single.map((m) => m.epoch), [1, 2]);
  // The same rows: epochs, image counts, feature spaces; the best epoch recorded as a single process would. The
  // values are not compared: the weights differ by rounding noise, which KID and FID over 3 images magnify.
  assert.deepEqual(ddp.map((m) => [m.epoch, m.images, Object.keys(m.scores).sort()]), single.map((m) => [m.epoch, m.images, Object.keys(m.scores).sort()]));
  for (const m of ddp) for (const s of Object.values(m.scores)) assert.ok(Number.isFinite(s.kid) && s.fid > 0, JSON.stringify(m.scores));
  const best = JSON.parse(readFileSync(join(dir, 'ddp', 'best.json'), 'utf8')) as { epoch: number; kid: number };
  const kids = ddp.map((m) => m.scores.mixed5!.kid);
  assert.equal(best.kid, Math.min(...kids));
  assert.equal(ddp[1]!.bestEpoch, best.epoch);
  assert.ok(!logged(join(dir, 'ddp')).some((l) => l.type === 'warning' && /metrics/.test(String(l.message))), 'no warning that metrics are skipped');
});

interface MetricsRow {
  epoch: number;
  images: { real: number; fake: number };
  scores: Record<string, { kid: number; kidStd: number; fid: number }>;
  bestEpoch: number;
}
