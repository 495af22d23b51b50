// One rank of the process-group tests (distributed.test.ts starts two of these): each prints one JSON line per result.
import { ProcessGroup, tensor, type Tensor } from '../../src/engine/index.js';
import { contribution } from './distributed_values.js';

const rank = Number(process.env.RANK);
const worldSize = Number(process.env.WORLD_SIZE);
const scenario = process.env.SCENARIO ?? 'collectives';
const say = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n');

function parameterWithGrad(values: number[], shape: number[]): Tensor {
  const p = tensor(new Float32Array(values.length), shape);
  p.requiresGrad = true;
  // d/dp sum(p * c) = c: the gradient is this rank's contribution.
  p.mul(tensor(values, shape)).sum().backward();
  return p;
}

async function main(): Promise<void> {
  const group = await ProcessGroup.create({ rank, worldSize, masterAddr: '127.0.0.1', masterPort: Number(process.env.MASTER_PORT), timeoutMs: Number(process.env.TIMEOUT_MS ?? 10000) });
  if (scenario === 'collectives') {
    const a = parameterWithGrad(contribution(rank, 6), [2, 3]);
    const b = parameterWithGrad(contribution(rank + 10, 4), [4]);
    // Rank 1 comes late: rank 0's allreduce waits for it off the JavaScript thread, so timers keep running meanwhile.
    if (rank === 1) await new Promise((resolve) => setTimeout(resolve, 1000));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const total = await group.allreduceMean([a, b], rank + 1);
    clearInterval(timer);
    if (rank === 0) say({ rank, what: 'ticks', ticks });
    say({ rank, what: 'mean', total, a: [...a.grad!.data()], b: [...b.grad!.data()] });
    const s = tensor(contribution(rank, 5), [5]);
    await group.allreduceSum([s]);
    say({ rank, what: 'sum', s: [...s.data()] });
    const w = tensor(contribution(rank + 3, 7), [7]);
    await group.broadcast([w], 0);
    say({ rank, what: 'broadcast', w: [...w.data()] });
    await group.barrier();
    group.destroy();
  } else if (scenario === 'peer-dies') {
    await group.barrier();
    if (rank === 1) process.exit(3); // gone without leaving the group, as a crash would
    const started = Date.now();
    try {
      await group.allreduceMean([parameterWithGrad([1, 2], [2])]);
      say({ rank, what: 'no-error' });
    } catch (error) {
      say({ rank, what: 'error', message: (error as Error).message, name: (error as Error).name, seconds: (Date.now() - started) / 1000 });
    }
    group.destroy();
  }
}

main().catch((error: Error) => {
  say({ rank, what: 'fatal', name: error.name, message: error.message });
  process.exitCode = 1;
});
