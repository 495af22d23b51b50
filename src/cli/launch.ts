/**
 * Launching data-parallel training, as torchrun does for PyTorch:
 *
 *   cyclegan train ... --nproc 2                         2 workers on this machine
 *   cyclegan train ... --nnodes 2 --node_rank 0 --nproc 2 --master_addr 10.0.0.1 --master_port 29500
 *                                                        this machine's 2 of 4 workers (run it on each machine)
 *   RANK=.. WORLD_SIZE=.. MASTER_ADDR=.. MASTER_PORT=.. cyclegan train ...
 *                                                        one worker, placed by torchrun or another launcher
 *
 * The launcher starts its workers with that environment and watches them: when one dies the others fail
 * their next collective (naming the rank) and the launcher says which rank died first; Ctrl-C or SIGTERM is
 * passed on to every worker, which all stop after the same step with one checkpoint from rank 0.
 */
import { freePort } from '../io/free_port.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ConfigError } from '../errors.js';
import type { Parameters } from '../config/parameters.js';
import { DEFAULT_DIST_TIMEOUT_MS, type DistBackend } from '../engine/distributed.js';
import { DistributedContext, overlapByDefault, STALL_TIMEOUTS } from '../train/distributed_context.js';
import type { EventSink } from '../io/events.js';

interface Rendezvous {
  masterAddr: string;
  masterPort: number;
  backend: DistBackend;
  timeoutMs: number;
}

export type Launch =
  | { kind: 'single' }
  | ({ kind: 'launcher'; nproc: number; nnodes: number; nodeRank: number; portGiven: boolean } & Rendezvous)
  /** localWorldSize: ranks on this machine (LOCAL_WORLD_SIZE, as torchrun and our launcher set it), null when not said. */
  | ({ kind: 'worker'; rank: number; worldSize: number; localRank: number; localWorldSize: number | null } & Rendezvous);

/** torchrun's default port. */
const DEFAULT_MASTER_PORT = 29500;
const LAUNCH_FLAGS = ['nproc', 'nnodes', 'node_rank', 'master_addr', 'master_port', 'dist_backend', 'dist_timeout'] as const;

function integer(name: string, text: string | undefined, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`Expected an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} for ${name} but received '${text}'`);
  return v;
}

/** Reads the launch flags (parsed by command_line.ts) and torchrun's environment: what this process is to do. */
export function takeLaunch(options: ReadonlyMap<string, string | true>, env: NodeJS.ProcessEnv = process.env): Launch {
  const value = (n: string): string | undefined => {
    const v = options.get(n);
    return v === true ? undefined : v;
  };
  const flag = Object.fromEntries(LAUNCH_FLAGS.map((n) => [n, value(n)])) as Record<(typeof LAUNCH_FLAGS)[number], string | undefined>;
  const backend = (flag.dist_backend ?? env.CYCLEGAN_DIST_BACKEND ?? 'gloo') as DistBackend;
  if (backend !== 'gloo' && backend !== 'nccl') throw new ConfigError(`Expected gloo or nccl for dist_backend but received '${backend}'`);
  const timeoutMs = integer('dist_timeout (seconds)', flag.dist_timeout ?? env.CYCLEGAN_DIST_TIMEOUT, 1, DEFAULT_DIST_TIMEOUT_MS / 1000) * 1000;
  const masterAddr = flag.master_addr ?? env.MASTER_ADDR ?? '127.0.0.1';
  const portText = flag.master_port ?? env.MASTER_PORT;
  const masterPort = integer('master_port', portText, 1, DEFAULT_MASTER_PORT, 65535);
  const rendezvous = { masterAddr, masterPort, backend, timeoutMs };
  const nproc = integer('nproc', flag.nproc, 1, 1);
  const nnodes = integer('nnodes', flag.nnodes, 1, 1);
  if (flag.nproc !== undefined || flag.nnodes !== undefined) {
    if (env.RANK !== undefined && env.WORLD_SIZE !== undefined) throw new ConfigError('--nproc/--nnodes start workers, but RANK and WORLD_SIZE are already set (this process was started by a launcher such as torchrun): drop one of the two');
    const nodeRank = integer('node_rank', flag.node_rank, 0, 0, nnodes - 1);
    if (nnodes > 1 && flag.master_addr === undefined && env.MASTER_ADDR === undefined) throw new ConfigError('--nnodes > 1 needs --master_addr: the address of the machine with node_rank 0, reachable from every machine');
    return { kind: 'launcher', nproc, nnodes, nodeRank, portGiven: portText !== undefined, ...rendezvous };
  }
  if (env.RANK !== undefined && env.WORLD_SIZE !== undefined) {
    const worldSize = integer('WORLD_SIZE', env.WORLD_SIZE, 1, 1);
    const rank = integer('RANK', env.RANK, 0, 0, worldSize - 1);
    if (portText === undefined && worldSize > 1) throw new ConfigError('RANK and WORLD_SIZE are set but MASTER_PORT is not: set MASTER_ADDR and MASTER_PORT (the rendezvous of rank 0) too');
    const localWorldSize = env.LOCAL_WORLD_SIZE === undefined ? null : integer('LOCAL_WORLD_SIZE', env.LOCAL_WORLD_SIZE, 1, 1, worldSize);
    return { kind: 'worker', rank, worldSize, localRank: integer('LOCAL_RANK', env.LOCAL_RANK, 0, rank), localWorldSize, ...rendezvous };
  }
  for (const n of ['node_rank', 'master_addr', 'master_port'] as const) {
    if (flag[n] !== undefined) throw new ConfigError(`--${n} only applies to data-parallel training: add --nproc N (workers on this machine) and, across machines, --nnodes`);
  }
  return { kind: 'single' };
}

/** A worker's parameters: with the nccl backend, 'cuda' becomes this worker's own GPU (one per local rank). */
export function workerParameters(launch: Launch, p: Readonly<Parameters>): Readonly<Parameters> {
  if (launch.kind === 'worker' && launch.backend === 'nccl' && p.device === 'cuda') return { ...p, device: `cuda:${launch.localRank}` };
  return p;
}

/** Ranks other than 0 report nothing but errors (the launcher shows rank 0's progress). */
export function workerEvents(launch: Launch, render: EventSink): EventSink {
  return launch.kind === 'worker' && launch.rank !== 0 ? () => undefined : render;
}

/** Runs `fn` as one rank when this process is a worker (joining first, leaving after), else plainly. */
export async function asWorker<R>(launch: Launch, fn: (distributed?: DistributedContext) => Promise<R>): Promise<R> {
  if (launch.kind !== 'worker') return fn();
  const overlap = overlapByDefault({ backend: launch.backend, oneMachine: launch.localWorldSize === launch.worldSize });
  const context = await DistributedContext.join({ rank: launch.rank, worldSize: launch.worldSize, masterAddr: launch.masterAddr, masterPort: launch.masterPort, backend: launch.backend, timeoutMs: launch.timeoutMs, interface: process.env.GLOO_SOCKET_IFNAME, overlap });
  // Started by our launcher, which has gone (killed): stop as on Ctrl-C, after the current step with a checkpoint.
  const launcher = process.env.CYCLEGAN_LAUNCHER_PID;
  const orphanWatch = launcher ? setInterval(() => process.ppid !== Number(launcher) && process.kill(process.pid, 'SIGINT'), 2000) : null;
  orphanWatch?.unref();
  let result: R;
  try {
    result = await fn(context);
  } catch (error) {
    context.abort();
    throw error;
  } finally {
    if (orphanWatch) clearInterval(orphanWatch);
  }
  await context.leave();
  return result;
}


export interface LauncherIo {
  /** The launcher's own messages and the workers' stderr (other ranks' lines prefixed with their rank). */
  write(text: string): void;
}

/**
 * Starts this machine's workers (the same command without the launch flags) and waits for them. Resolves with
 * the exit code: 0 when all finished, 130 when they stopped on a signal, else the first failure's.
 */
export async function runLauncher(launch: Extract<Launch, { kind: 'launcher' }>, argv: readonly string[], io: LauncherIo = { write: (t) => void process.stderr.write(t) }): Promise<number> {
  const masterPort = launch.nnodes === 1 && !launch.portGiven ? await freePort() : launch.masterPort;
  const worldSize = launch.nnodes * launch.nproc;
  const childArgv = withoutLaunchFlags(argv);
  const script = process.argv[1];
  const children: { rank: number; child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }[] = [];
  for (let local = 0; local < launch.nproc; local++) {
    const rank = launch.nodeRank * launch.nproc + local;
    const env = {
      ...process.env,
      RANK: String(rank),
      LOCAL_RANK: String(local),
      WORLD_SIZE: String(worldSize),
      LOCAL_WORLD_SIZE: String(launch.nproc),
      MASTER_ADDR: launch.masterAddr,
      MASTER_PORT: String(masterPort),
      CYCLEGAN_DIST_BACKEND: launch.backend,
      CYCLEGAN_DIST_TIMEOUT: String(launch.timeoutMs / 1000),
      CYCLEGAN_LAUNCHER_PID: String(process.pid),
    };
    // Their own process group: a Ctrl-C in the terminal reaches the launcher only, which passes it on once
    // (twice would read as a second Ctrl-C).
    const child = spawn(process.execPath, [script, ...childArgv], { env, stdio: ['ignore', rank === 0 ? 'inherit' : 'ignore', 'pipe'], detached: true });
    createInterface({ input: child.stderr! }).on('line', (line) => io.write(rank === 0 ? `${line}\n` : `[rank ${rank}] ${line}\n`));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    children.push({ rank, child, exit });
  }
  // Each signal goes on to every worker, which counts them as the CLI does (src/cli/stop_signals.ts):
  // the first stops after the current step with a checkpoint, the third quits at once.
  const stop = (signal: NodeJS.Signals): void => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    let firstFailure: { rank: number; code: number | null; signal: NodeJS.Signals | null } | null = null;
    let killer: ReturnType<typeof setTimeout> | null = null;
    await Promise.all(
      children.map(async ({ rank, exit }) => {
        const r = await exit;
        const failed = r.signal !== null || (r.code !== 0 && r.code !== 130 && r.code !== 143);
        if (!failed || firstFailure) return;
        firstFailure = { rank, ...r };
        io.write(`cyclegan: rank ${rank} ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`}; the other ranks stop at their next collective (rerun the same command to resume from the last checkpoint)\n`);
        // The others fail their next collective within the timeout, or rank 0 notices while computing the metrics
        // alone, which may hold it longer (distributed_context.ts, STALL_TIMEOUTS); any left after that are ended.
        killer = setTimeout(() => {
          for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
        }, STALL_TIMEOUTS * launch.timeoutMs + 30_000);
        killer.unref();
      }),
    );
    if (killer) clearTimeout(killer);
    const failure = firstFailure as { rank: number; code: number | null; signal: NodeJS.Signals | null } | null;
    if (failure) return failure.code && failure.code > 0 ? failure.code : 1;
    const codes = await Promise.all(children.map((c) => c.exit));
    return codes.find((c) => c.code === 130 || c.code === 143)?.code ?? 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** argv without the launch flags (and their values), for the workers. */
export function withoutLaunchFlags(argv: readonly string[]): string[] {
  const names = new Set<string>(LAUNCH_FLAGS);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const body = arg.startsWith('--') ? arg.slice(2) : null;
    const name = body === null ? null : (body.includes('=') ? body.slice(0, body.indexOf('=')) : body).replace(/-/g, '_');
    if (name !== null && names.has(name)) {
      if (!body!.includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    out.push(arg);
  }
  return out;
}
