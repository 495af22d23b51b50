// One rank of a data-parallel training run for distributed_train.test.ts: joins the group, trains with
// the parameters in PARAMS (JSON), checking after every step that all ranks hold the same weights, and
// stops everyone after global step STOP_AT when set (asked of rank 0 only: the stop must be agreed on).
// OVERLAP=0 turns off the overlap of G's gradient average with D's phase.
import { resolveParameters } from '../../src/config/resolve.js';
import { DistributedContext } from '../../src/train/distributed_context.js';
import { train } from '../../src/train/trainer.js';

const rank = Number(process.env.RANK);
const stopAt = Number(process.env.STOP_AT ?? 0);

async function main(): Promise<void> {
  const distributed = await DistributedContext.join({ rank, worldSize: Number(process.env.WORLD_SIZE), masterAddr: '127.0.0.1', masterPort: Number(process.env.MASTER_PORT), timeoutMs: 30_000, checkWeights: true, overlap: process.env.OVERLAP !== '0' });
  const controller = new AbortController();
  const steps: number[] = [];
  const losses: Record<string, number>[] = [];
  const result = await train({
    source: process.env.SOURCE!,
    target: process.env.TARGET!,
    out: process.env.OUT!,
    parameters: resolveParameters(JSON.parse(process.env.PARAMS!) as Record<string, unknown>),
    distributed,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.type === 'step') {
        steps.push(e.globalStep);
        losses.push(e.losses);
        if (rank === 0 && e.globalStep === stopAt) controller.abort();
      }
    },
  });
  await distributed.leave();
  process.stdout.write(JSON.stringify({ rank, completed: result.completed, generated: result.generated, steps, losses }) + '\n');
}

main().catch((error: Error) => {
  process.stdout.write(JSON.stringify({ rank, error: `${error.name}: ${error.message}` }) + '\n');
  process.exitCode = 1;
});
