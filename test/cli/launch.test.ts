// How `cyclegan train` decides what this process is: plain run, launcher of workers, or one worker
// (placed by our launcher or by torchrun's environment), and the messages for inconsistent settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS } from '../../src/cli/commands.js';
import { parseCommandLine } from '../../src/cli/command_line.js';
import { takeLaunch, withoutLaunchFlags, workerParameters } from '../../src/cli/launch.js';
import { resolveParameters } from '../../src/config/resolve.js';
import { overlapByDefault } from '../../src/train/distributed_context.js';

const train = COMMANDS.find((c) => c.name === 'train')!;
/** The options of a train command line (plus the required ones), as main.ts hands them to takeLaunch. */
const argsOf = (line: string) => parseCommandLine(train, ['--source', 'x', '--target', 'y', '--out', 'o', ...line.split(' ').filter(Boolean)]).options;

test('no launch flags and no RANK: a plain run', () => {
  assert.deepEqual(takeLaunch(argsOf('--max_epoch 3'), {}), { kind: 'single' });
});

test('--nproc and --nnodes make a launcher', () => {
  const args = argsOf('--nproc 2 --nnodes 2 --node_rank 1 --master_addr 10.0.0.1 --master_port 29600 --dist_backend gloo --dist_timeout 30 --max_epoch 3');
  assert.deepEqual(takeLaunch(args, {}), { kind: 'launcher', nproc: 2, nnodes: 2, nodeRank: 1, portGiven: true, masterAddr: '10.0.0.1', masterPort: 29600, backend: 'gloo', timeoutMs: 30_000 });
});

test("torchrun's environment makes a worker", () => {
  const launch = takeLaunch(argsOf(''), { RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', MASTER_ADDR: 'h0', MASTER_PORT: '29500' });
  assert.deepEqual(launch, { kind: 'worker', rank: 3, worldSize: 4, localRank: 1, localWorldSize: null, masterAddr: 'h0', masterPort: 29500, backend: 'gloo', timeoutMs: 60_000 });
  const local = takeLaunch(argsOf(''), { RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_PORT: '29500' });
  assert.equal(local.kind === 'worker' && local.localWorldSize, 2);
  assert.throws(() => takeLaunch(argsOf(''), { RANK: '0', WORLD_SIZE: '2', LOCAL_WORLD_SIZE: '3', MASTER_PORT: '29500' }), /Expected an integer from 1 to 2 for LOCAL_WORLD_SIZE but received '3'/);
  // With nccl, 'cuda' becomes the local rank's GPU.
  const nccl = takeLaunch(argsOf('--dist_backend nccl'), { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', MASTER_PORT: '29500' });
  assert.equal(workerParameters(nccl, resolveParameters({ device: 'cuda' })).device, 'cuda:1');
  assert.equal(workerParameters(launch, resolveParameters({ device: 'cuda' })).device, 'cuda');
});

test('inconsistent launch settings are refused with the fix', () => {
  assert.throws(() => takeLaunch(argsOf('--nproc 0'), {}), /^ConfigError: Expected an integer from 1 for nproc but received '0'$/);
  assert.throws(() => takeLaunch(argsOf('--nproc 2 --nnodes 2 --node_rank 2 --master_addr h'), {}), /Expected an integer from 0 to 1 for node_rank but received '2'/);
  assert.throws(() => takeLaunch(argsOf('--nnodes 2'), {}), /--nnodes > 1 needs --master_addr/);
  assert.throws(() => takeLaunch(argsOf('--nproc 2'), { RANK: '0', WORLD_SIZE: '2' }), /RANK and WORLD_SIZE are already set .* drop one of the two/);
  assert.throws(() => takeLaunch(argsOf(''), { RANK: '2', WORLD_SIZE: '2', MASTER_PORT: '1' }), /Expected an integer from 0 to 1 for RANK but received '2'/);
  assert.throws(() => takeLaunch(argsOf(''), { RANK: '0', WORLD_SIZE: '2' }), /MASTER_PORT is not/);
  assert.throws(() => takeLaunch(argsOf('--dist_backend mpi --nproc 2'), {}), /Expected gloo or nccl for dist_backend but received 'mpi'/);
  assert.throws(() => takeLaunch(argsOf('--master_port 29500'), {}), /--master_port only applies to data-parallel training: add --nproc N/);
});

test('the workers get the command without the launch flags', () => {
  assert.deepEqual(withoutLaunchFlags(['train', '--nproc', '2', '--out', 'o', '--master-port=1', '--dist_backend', 'gloo', '--flip']), ['train', '--out', 'o', '--flip']);
});

test("G's average overlaps D's phase across machines and on GPUs, not between Gloo ranks on one machine", () => {
  assert.equal(overlapByDefault({ backend: 'gloo', oneMachine: true }), false);
  assert.equal(overlapByDefault({ backend: 'gloo', oneMachine: false }), true);
  assert.equal(overlapByDefault({ backend: 'nccl', oneMachine: true }), true);
});
