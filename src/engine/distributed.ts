/**
 * A process group for data-parallel training, on libtorch's c10d (the engine under PyTorch's
 * DistributedDataParallel): ranks meet through a TCPStore that rank 0 serves, then talk through
 * Gloo (CPU) or NCCL (a CUDA build). Every collective returns a promise and runs off the JavaScript
 * thread; calls on one group run one at a time, in the order they were made, which is the order
 * c10d needs on every rank.
 */
import { DistributedError } from '../errors.js';
import { native, type NativeProcessGroup } from './native.js';
import type { Tensor } from './tensor.js';

export type DistBackend = 'gloo' | 'nccl';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** Where rank 0 listens; default 127.0.0.1. */
  masterAddr?: string;
  /** Rank 0's port; 0 (the default) lets rank 0 pick a free one, which only works when the other ranks learn it another way (tests). */
  masterPort?: number;
  /** default gloo. */
  backend?: DistBackend;
  /** How long to wait for the other ranks (joining, and each collective) before failing; default 60 s. */
  timeoutMs?: number;
  /** A network interface for Gloo's connections (as GLOO_SOCKET_IFNAME); default: loopback for a loopback master, else this host's address. */
  interface?: string;
}

/** Default wait for peers: long enough for a slow step on another machine, short enough that a dead rank ends the run. */
export const DEFAULT_DIST_TIMEOUT_MS = 60_000;

function check(condition: boolean, message: () => string): void {
  if (!condition) throw new DistributedError(message());
}

/** Backends this addon was built with: gloo always, nccl on a CUDA build. */
export function distBackends(): DistBackend[] {
  return native().distBackends() as DistBackend[];
}

export class ProcessGroup {
  #group: NativeProcessGroup | null;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    group: NativeProcessGroup,
    readonly rank: number,
    readonly worldSize: number,
    /** The store's port (rank 0's choice when it was given 0). */
    readonly port: number,
    readonly backend: DistBackend,
    /** How long a collective waits for the other ranks. */
    readonly timeoutMs: number,
  ) {
    this.#group = group;
  }

  /** Joins the group: resolves once every rank has joined, rejects after the timeout. */
  static async create(o: ProcessGroupOptions): Promise<ProcessGroup> {
    check(Number.isInteger(o.worldSize) && o.worldSize >= 1, () => `Expected a positive integer for world size but received ${o.worldSize}`);
    check(Number.isInteger(o.rank) && o.rank >= 0 && o.rank < o.worldSize, () => `Expected an integer rank in [0, ${o.worldSize - 1}] but received ${o.rank}`);
    const port = o.masterPort ?? 0;
    check(Number.isInteger(port) && port >= 0 && port < 65536, () => `Expected a port in [0, 65535] for master_port but received ${port}`);
    check(port !== 0 || o.rank === 0, () => `rank ${o.rank} needs the master's port (master_port); only rank 0 may ask for any free port`);
    const backend = o.backend ?? 'gloo';
    check(distBackends().includes(backend), () => `dist_backend ${backend} is not available in this build (available: ${distBackends().join(', ')}); nccl needs the addon built against a CUDA libtorch`);
    const host = o.masterAddr ?? '127.0.0.1';
    const timeoutMs = o.timeoutMs ?? DEFAULT_DIST_TIMEOUT_MS;
    try {
      const { group, port: bound } = await native().distCreate({ backend, rank: o.rank, worldSize: o.worldSize, host, port, isServer: o.rank === 0, timeoutMs, interface: o.interface ?? '' });
      return new ProcessGroup(group, o.rank, o.worldSize, bound, backend, timeoutMs);
    } catch (error) {
      throw new DistributedError(
        `rank ${o.rank} of ${o.worldSize} could not join the process group at ${host}:${port} within ${timeoutMs / 1000} s: ${(error as Error).message}. ` +
          'Check that every rank uses the same master_addr, master_port and world size, that rank 0 is running, and that the port is open.',
      );
    }
  }

  get destroyed(): boolean {
    return this.#group === null;
  }

  /** Runs `op` after every call made before it on this group; a failure names the rank and the collective. */
  #enqueue<R>(what: string, op: (group: NativeProcessGroup) => Promise<R>): Promise<R> {
    const run = async (): Promise<R> => {
      const group = this.#group;
      if (!group) throw new DistributedError(`${what} on rank ${this.rank}: the process group was destroyed`);
      try {
        return await op(group);
      } catch (error) {
        throw new DistributedError(`${what} failed on rank ${this.rank} of ${this.worldSize}: ${(error as Error).message}`);
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Replaces each parameter's gradient with the mean over ranks weighted by `weight` (the local batch
   * size: the result is then the gradient of one batch holding every rank's images). Resolves with the
   * total weight. Every rank must pass its parameters in the same order.
   */
  allreduceMean(params: readonly Tensor[], weight = 1): Promise<number> {
    check(weight >= 0 && Number.isFinite(weight), () => `Expected a non-negative weight but received ${weight}`);
    const handles = params.map((p) => p.handle);
    return this.#enqueue('allreduce', (g) => native().distAllreduceMean(g, handles, weight));
  }

  /** Sums each tensor over ranks, in place. */
  allreduceSum(tensors: readonly Tensor[]): Promise<void> {
    const handles = tensors.map((t) => t.handle);
    return this.#enqueue('allreduce', (g) => native().distAllreduceSum(g, handles));
  }

  /** Overwrites every rank's tensors with `root`'s, in place. */
  broadcast(tensors: readonly Tensor[], root = 0): Promise<void> {
    check(Number.isInteger(root) && root >= 0 && root < this.worldSize, () => `Expected a root rank in [0, ${this.worldSize - 1}] but received ${root}`);
    const handles = tensors.map((t) => t.handle);
    return this.#enqueue('broadcast', (g) => native().distBroadcast(g, handles, root));
  }

  /** Resolves when every rank has reached it. */
  barrier(): Promise<void> {
    return this.#enqueue('barrier', (g) => native().distBarrier(g));
  }

  /** Sets a key in the rendezvous store (outside the collective queue: usable while a collective waits). */
  async storeSet(key: string, value: string): Promise<void> {
    const group = this.#group;
    if (!group) throw new DistributedError(`store set on rank ${this.rank}: the process group was destroyed`);
    await native().distStoreSet(group, key, value);
  }

  /** A key's value; null when it is still missing after `timeoutMs` (0: do not wait). */
  async storeGet(key: string, timeoutMs = 0): Promise<string | null> {
    const group = this.#group;
    if (!group) throw new DistributedError(`store get on rank ${this.rank}: the process group was destroyed`);
    try {
      return await native().distStoreGet(group, key, timeoutMs);
    } catch (error) {
      if (/timeout|Timed out|wait/i.test((error as Error).message) && timeoutMs > 0) return null;
      throw error;
    }
  }

  /** Leaves the group. Rank 0's store goes with it, so rank 0 should leave last (after a barrier). */
  destroy(): void {
    if (!this.#group) return;
    native().distDestroy(this.#group);
    this.#group = null;
  }
}
