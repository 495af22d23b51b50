// The c10d process group across two real processes on 127.0.0.1: rendezvous through rank 0's TCPStore,
// allreduce and broadcast against values recomputed here, and failures (a peer that dies, a peer that
// never comes) that end in a DistributedError within the timeout instead of a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { repoRoot } from '../helpers/reference.js';
import { assertClose } from '../helpers/assert_close.js';
import { contribution } from './distributed_values.js';
import { freePort } from '../../src/io/free_port.js';

const worker = join(repoRoot, 'dist', 'test', 'engine', 'distributed_worker.js');

type Line = Record<string, unknown>;

/** Runs one rank to its end; resolves with its exit code and the JSON lines it printed. */
function runRank(rank: number, worldSize: number, env: Record<string, string>): Promise<{ code: number | null; lines: Line[] }> {
  const child = spawn(process.execPath, [worker], { env: { ...process.env, RANK: String(rank), WORLD_SIZE: String(worldSize), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (text) => lines.push(JSON.parse(text) as Line));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, lines })));
}

const find = (lines: Line[], what: string): Line => {
  const line = lines.find((l) => l.what === what);
  assert.ok(line, `no '${what}' line in ${JSON.stringify(lines)}`);
  return line;
};

test('two processes rendezvous over TCP on 127.0.0.1, allreduce and broadcast', { timeout: 120_000 }, async () => {
  const env = { SCENARIO: 'collectives', MASTER_PORT: String(await freePort()) };
  const [r0, r1] = await Promise.all([runRank(0, 2, env), runRank(1, 2, env)]);
  assert.equal(r0.code, 0, JSON.stringify(r0.lines));
  assert.equal(r1.code, 0, JSON.stringify(r1.lines));
  // Weighted mean of the gradients, weights rank + 1: (1 * g0 + 2 * g1) / 3, recomputed from the inputs.
  const mean = (n: number, offset: number): number[] => contribution(offset, n).map((g0, i) => (1 * g0 + 2 * contribution(offset + 1, n)[i]) / 3);
  // While rank 0 waited about a second for rank 1, its event loop ran a 10 ms timer many times.
  assert.ok((find(r0.lines, 'ticks').ticks as number) >= 20, JSON.stringify(find(r0.lines, 'ticks')));
  for (const r of [r0, r1]) {
    const m = find(r.lines, 'mean');
    assert.equal(m.total, 3);
    assertClose(m.a as number[], mean(6, 0), `rank ${String(m.rank)} grad a`);
    assertClose(m.b as number[], mean(4, 10), `rank ${String(m.rank)} grad b`);
    assertClose(find(r.lines, 'sum').s as number[], contribution(0, 5).map((v, i) => v + contribution(1, 5)[i]), 'sum');
    assert.deepEqual(find(r.lines, 'broadcast').w, contribution(3, 7), 'broadcast from rank 0');
  }
});

test('a peer that dies makes the collective fail within the timeout, naming the rank', { timeout: 120_000 }, async () => {
  const env = { SCENARIO: 'peer-dies', MASTER_PORT: String(await freePort()), TIMEOUT_MS: '20000' };
  const [r0, r1] = await Promise.all([runRank(0, 2, env), runRank(1, 2, env)]);
  assert.equal(r1.code, 3);
  assert.equal(r0.code, 0, JSON.stringify(r0.lines));
  const e = find(r0.lines, 'error');
  assert.equal(e.name, 'DistributedError');
  assert.match(e.message as string, /^allreduce failed on rank 0 of 2: /);
  assert.ok((e.seconds as number) < 25, `took ${String(e.seconds)} s`);
});

test('a peer that never comes: joining fails after the timeout with advice', { timeout: 60_000 }, async () => {
  const env = { SCENARIO: 'collectives', MASTER_PORT: String(await freePort()), TIMEOUT_MS: '2000' };
  const started = Date.now();
  const r0 = await runRank(0, 2, env);
  assert.equal(r0.code, 1);
  const fatal = find(r0.lines, 'fatal');
  assert.equal(fatal.name, 'DistributedError');
  assert.match(fatal.message as string, /^rank 0 of 2 could not join the process group at 127\.0\.0\.1:\d+ within 2 s: .*Check that every rank uses the same master_addr/s);
  assert.ok(Date.now() - started < 30_000);
});
