// Rank 0 working alone (the metrics after an epoch) while the other ranks wait: the wait outlasts the group's
// collective timeout as long as rank 0 is alive, and ends with a clear error when rank 0's work fails or rank 0
// goes away; rank 0 stops waiting for its own work when another rank dies. Both ranks live in this process (two
// process groups over 127.0.0.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../../src/io/free_port.js';
import { DistributedContext } from '../../src/train/distributed_context.js';

// Long enough for two process groups to connect over loopback on a loaded 2-core machine (1.5 s was not, once).
const TIMEOUT_MS = 4000;

async function twoRanks(): Promise<[DistributedContext, DistributedContext]> {
  const masterPort = await freePort();
  const join = (rank: number) => DistributedContext.join({ rank, worldSize: 2, masterAddr: '127.0.0.1', masterPort, timeoutMs: TIMEOUT_MS });
  const [r0, r1] = await Promise.all([join(0), join(1)]);
  return [r0, r1];
}

test('the other ranks wait for rank 0 longer than the collective timeout, then go on together', { timeout: 60_000 }, async () => {
  const [r0, r1] = await twoRanks();
  const order: string[] = [];
  // Rank 0's work lasts three timeouts; its liveness counter keeps going meanwhile.
  const work = async (): Promise<void> => {
    await delay(3 * TIMEOUT_MS);
    order.push('rank 0 done');
  };
  await Promise.all([
    r0.writerAlone('eval/1', 'evaluating epoch 1', work).then(() => order.push('rank 0 returned')),
    r1.writerAlone('eval/1', 'evaluating epoch 1', () => Promise.reject(new Error('rank 1 must not run the work'))).then(() => order.push('rank 1 returned')),
  ]);
  assert.equal(order[0], 'rank 0 done');
  assert.deepEqual(order.slice(1).sort(), ['rank 0 returned', 'rank 1 returned']);
  // The group still works afterwards.
  assert.deepEqual(await Promise.all([r0.agreeAny([false]), r1.agreeAny([true])]), [[true], [true]]);
  await Promise.all([r0.leave(), r1.leave()]);
});

test("rank 0's failure ends the other ranks' wait with an error naming it", { timeout: 60_000 }, async () => {
  const [r0, r1] = await twoRanks();
  const [a, b] = await Promise.allSettled([
    r0.writerAlone('eval/2', 'evaluating epoch 2', async () => {
      await delay(500);
      throw new Error('feature network missing');
    }),
    r1.writerAlone('eval/2', 'evaluating epoch 2', async () => undefined),
  ]);
  assert.equal(a.status === 'rejected' && (a.reason as Error).message, 'feature network missing');
  assert.equal(b.status === 'rejected' && (b.reason as Error).message, "rank 0 failed while evaluating epoch 2; rank 1 stops with it (rank 0's log says why)");
  await Promise.all([r0.leave(), r1.leave()]);
});

test('rank 0 going away ends the wait with an error, not a hang', { timeout: 60_000 }, async () => {
  const [r0, r1] = await twoRanks();
  const waiting = r1.writerAlone('eval/3', 'evaluating epoch 3', async () => undefined);
  // Rank 0 dies mid-work: its heartbeat stops and its store goes (the error says which was noticed first).
  await delay(500);
  r0.abort();
  await assert.rejects(waiting, (error: Error) => {
    assert.equal(error.name, 'DistributedError');
    assert.match(error.message, /^rank 1 waiting for rank 0 \(evaluating epoch 3\): .*rank 0/);
    return true;
  });
  r1.abort();
});

test('a rank that dies while rank 0 works alone ends rank 0\'s wait with an error naming it', { timeout: 60_000 }, async () => {
  const [r0, r1] = await twoRanks();
  // Rank 1 dies: its liveness counter stops.
  r1.abort();
  const longWork = new AbortController();
  const started = Date.now();
  await assert.rejects(r0.writerAlone('eval/4', 'evaluating epoch 4', () => delay(30_000, undefined, { signal: longWork.signal })), {
    name: 'DistributedError',
    message: 'evaluating epoch 4 failed on rank 0 of 2: rank 1 stopped responding meanwhile (the process died or its machine is unreachable)',
  });
  assert.ok(Date.now() - started < 10_000, `noticed after ${Date.now() - started} ms`);
  longWork.abort();
  r0.abort();
});
