/**
 * Data-parallel training, with the semantics of PyTorch's DistributedDataParallel
 * (torch/nn/parallel/distributed.py) on our c10d process group (src/engine/distributed.ts):
 *
 * - rank 0's weights and optimizer state are broadcast before the first step (`syncModel`), so every
 *   rank starts from rank 0's initialisation or rank 0's checkpoint;
 * - each step covers batch_size x world_size pairs of the epoch's seeded order, rank r taking its
 *   contiguous share (BatchLoader's `shard`);
 * - between each phase's backward and its optimizer step, gradients are averaged over ranks weighted by
 *   each rank's image count, which is the gradient of one batch holding every rank's images (the losses
 *   are means over images and instance norm works per image), so every rank takes the same step; G's
 *   average runs on a worker thread while the discriminators' forward and backward run (`overlap`);
 * - rank 0 alone writes the run folder (`isWriter`) and computes the metrics after an epoch while the others
 *   wait for it (`writerAlone`);
 * - a stop request (Ctrl-C, SIGTERM) or a due timed checkpoint on any rank is agreed on after each step,
 *   so all ranks stop or save after the same step, and rank 0 writes the one checkpoint;
 * - a failed collective is explained: a liveness counter each rank keeps in the store shows which rank
 *   stopped responding.
 *
 * The image pool: each rank's pool holds up to pool_size of that rank's own fakes and draws from its own
 * seeded stream, as each process of a PyTorch DDP run of the reference code has its own ImagePool. The
 * discriminators therefore see world_size x pool_size past fakes in all. Rank 0's checkpoint holds every
 * rank's pool and generator (`gatherPools`), and a resumed run hands each rank its own back (`scatterPools`),
 * so a resumed run with the same world size continues exactly.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DistributedError } from '../errors.js';
import { ProcessGroup, tensor, tidyAsync, zeros, type DistBackend, type Tensor } from '../engine/index.js';
import type { RngState } from '../engine/rng.js';
import type { SafetensorsFile } from '../io/safetensors.js';
import type { TrainingProgress } from '../io/checkpoint.js';
import { fromStored } from '../io/tensor_store.js';
import type { CycleGan, GradientHook, Losses } from '../model/cyclegan.js';
import type { Translator } from '../translate/translator.js';
import type { Batch } from './batches.js';

export interface DistributedOptions {
  rank: number;
  worldSize: number;
  masterAddr: string;
  masterPort: number;
  backend?: DistBackend;
  /** Wait for peers before failing; default 60 s. */
  timeoutMs?: number;
  /** Gloo's network interface (GLOO_SOCKET_IFNAME). */
  interface?: string;
  /** After every step, check that every rank holds the same weights (checkIdentical); for tests, it reads every weight. Default false. */
  checkWeights?: boolean;
  /** Average G's gradients while the discriminators' forward and backward run (CycleGan.trainStepWithHook's overlap; the same bits either way). Default true; the launcher passes overlapByDefault. */
  overlap?: boolean;
}

/**
 * Whether G's gradient average should overlap the discriminators' phase: yes when the ranks span machines or
 * reduce on GPUs, where a network or a GPU's copy engines carry the average while the cores compute; no when
 * Gloo averages between ranks on one machine, where the average is work of its own on the cores the ranks
 * train on. Measured there (bench data-parallel, idle 2-core Xeon, 2 ranks x 1 thread, 128 px): scaling
 * efficiency 0.86 / 0.93 / 0.73 in order against 0.79 / 0.87 / 0.66 overlapped, three runs. Same bits either way.
 */
export function overlapByDefault(o: { backend: DistBackend; oneMachine: boolean }): boolean {
  return o.backend === 'nccl' || !o.oneMachine;
}

/** How often each rank bumps its liveness counter in the store. */
const HEARTBEAT_MS = 1000;
/**
 * How many collective timeouts of rank 0's silence the others accept while it works alone (writerAlone): its
 * JavaScript thread beats only between pieces of work, and one piece of the metrics blocked it for 43 s on a
 * loaded 2-core machine (32 px, 9 images); a dead process is noticed at once anyway. The launcher waits as long
 * before it ends ranks that outlive a failed one.
 */
export const STALL_TIMEOUTS = 10;

export class DistributedContext {
  #beats = 0;
  /** Where the run's small collective tensors live: NCCL reduces GPU tensors only (syncModel sets it). */
  #device = 'cpu';
  #poolExchanges = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;

  private constructor(
    readonly group: ProcessGroup,
    private readonly checkWeights: boolean,
    private readonly overlap: boolean,
  ) {}

  /** Joins the run's process group (resolves when every rank has joined). */
  static async join(o: DistributedOptions): Promise<DistributedContext> {
    const group = await ProcessGroup.create({ rank: o.rank, worldSize: o.worldSize, masterAddr: o.masterAddr, masterPort: o.masterPort, backend: o.backend, timeoutMs: o.timeoutMs, interface: o.interface });
    const context = new DistributedContext(group, o.checkWeights ?? false, o.overlap ?? true);
    context.#startHeartbeat();
    return context;
  }

  get rank(): number {
    return this.group.rank;
  }

  get worldSize(): number {
    return this.group.worldSize;
  }

  /** Rank 0 writes checkpoints, model files, samples, logs and Data/. */
  get isWriter(): boolean {
    return this.group.rank === 0;
  }

  get shard(): { rank: number; worldSize: number } {
    return { rank: this.rank, worldSize: this.worldSize };
  }

  #startHeartbeat(): void {
    const beat = (): void => {
      this.#beats++;
      // A failed beat means the store (rank 0) is gone; the next collective reports it.
      this.group.storeSet(`alive/${this.rank}`, String(this.#beats)).catch(() => undefined);
    };
    beat();
    this.#heartbeat = setInterval(beat, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Rank 0's value of something every rank must agree on (resolved parameters, resume progress), through the store. */
  async agree<V>(key: string, value: V): Promise<V> {
    return this.#explained(async () => {
      if (this.isWriter) await this.group.storeSet(`agree/${key}`, JSON.stringify(value));
      const text = await this.group.storeGet(`agree/${key}`, this.group.timeoutMs);
      if (text === null) throw new DistributedError(`rank ${this.rank} did not receive '${key}' from rank 0`);
      return JSON.parse(text) as V;
    });
  }

  /**
   * Runs `work` on rank 0 alone while the other ranks wait for it however long it takes (the metrics after an
   * epoch can outlast the collective timeout): they poll the store for rank 0's word, and give up when rank 0's
   * work failed, when its store is gone (its process died), or when its liveness counter stood still for
   * STALL_TIMEOUTS collective timeouts. Every rank calls it with the same `key`; `what` names the work in errors.
   */
  async writerAlone(key: string, what: string, work: () => Promise<void>): Promise<void> {
    const done = `alone/${key}`;
    if (this.isWriter) {
      const peers = this.#watchPeers(what);
      try {
        const working = work();
        // A dead peer ends rank 0's wait for its own work (the work itself cannot be stopped; the run ends with the error).
        working.catch(() => undefined);
        await Promise.race([working, peers.lost]);
      } catch (error) {
        await this.group.storeSet(done, 'failed').catch(() => undefined);
        throw error;
      } finally {
        peers.stop();
      }
      await this.#explained(() => this.group.storeSet(done, 'ok'));
      return;
    }
    const read = (k: string): Promise<string | null> =>
      this.#explained(() =>
        this.group.storeGet(k, 0).catch((error: Error) => {
          throw new Error(`rank ${this.rank} waiting for rank 0 (${what}): ${error.message}`);
        }),
      );
    const beatOfRank0 = (): Promise<string | null> => read('alive/0');
    let beat = await beatOfRank0();
    let lastBeat = Date.now();
    for (;;) {
      const word = await read(done);
      if (word === 'ok') return;
      if (word !== null) throw new DistributedError(`rank 0 failed while ${what}; rank ${this.rank} stops with it (rank 0's log says why)`);
      await delay(HEARTBEAT_MS);
      const now = await beatOfRank0();
      if (now !== beat) {
        beat = now;
        lastBeat = Date.now();
      } else if (Date.now() - lastBeat > STALL_TIMEOUTS * this.group.timeoutMs) {
        throw new DistributedError(`rank ${this.rank} waiting for rank 0 (${what}): rank 0 stopped responding for ${(STALL_TIMEOUTS * this.group.timeoutMs) / 1000} s (its process is stuck or its machine is unreachable)`);
      }
    }
  }

  /** While rank 0 works alone: `lost` rejects when another rank's liveness counter stood still for the group's timeout. */
  #watchPeers(what: string): { lost: Promise<never>; stop(): void } {
    const seen = new Map<number, { beat: string | null; at: number }>();
    let timer: ReturnType<typeof setInterval> | null = null;
    const lost = new Promise<never>((_, reject) => {
      const check = async (): Promise<void> => {
        const now = Date.now();
        const silent: number[] = [];
        for (let r = 1; r < this.worldSize; r++) {
          const beat = await this.group.storeGet(`alive/${r}`, 0).catch(() => null);
          const last = seen.get(r);
          if (!last || last.beat !== beat) seen.set(r, { beat, at: now });
          else if (now - last.at > this.group.timeoutMs) silent.push(r);
        }
        if (silent.length > 0 && timer) {
          reject(new DistributedError(`${what} failed on rank 0 of ${this.worldSize}: rank${silent.length > 1 ? 's' : ''} ${silent.join(', ')} stopped responding meanwhile (the process died or its machine is unreachable)`));
        }
      };
      timer = setInterval(() => void check(), HEARTBEAT_MS);
    });
    lost.catch(() => undefined);
    return {
      lost,
      stop: () => {
        if (timer) clearInterval(timer);
        timer = null;
      },
    };
  }

  /** Makes every rank's networks and optimizer state rank 0's (DDP's initial broadcast; also carries a resumed checkpoint). */
  async syncModel(model: CycleGan, optimizerSteps: { G: number; D: number }, device = 'cpu'): Promise<void> {
    this.#device = this.group.backend === 'nccl' ? device : 'cpu';
    // The generators' average too (ema_decay): every rank translates its share of Data/ with it.
    const average = model.average?.namedState().map(([, t]) => t) ?? [];
    const tensors = [...model.namedParameters().map(([, t]) => t), ...[model.optimizerG, model.optimizerD].flatMap((o) => [...o.stateDict().expAvg, ...o.stateDict().expAvgSq]), ...average];
    await this.#explained(() => this.group.broadcast(tensors, 0));
    for (const [opt, steps] of [
      [model.optimizerG, optimizerSteps.G],
      [model.optimizerD, optimizerSteps.D],
    ] as const) {
      const s = opt.stateDict();
      opt.loadStateDict({ step: steps, lr: s.lr, expAvg: s.expAvg, expAvgSq: s.expAvgSq });
    }
  }

  /** The gradient hook of a step on `images` local pairs: the image-weighted mean over ranks. */
  gradientHook(images: number): GradientHook {
    return async (_phase, params) => {
      await this.#explained(() => this.group.allreduceMean(params, images));
    };
  }

  /**
   * One data-parallel step on this rank's batch. A rank whose batch is empty (its share of the epoch's last
   * step, or unreadable files) still joins both averages with weight 0 and applies the common update;
   * returns null for it, since it has no losses of its own.
   */
  async trainStep(model: CycleGan, batch: Batch, shape: { channels: number; height: number; width: number }, device: string): Promise<Losses | null> {
    let losses: Losses | null = null;
    if (batch.n > 0) {
      const dims: [number, number, number, number] = [batch.n, shape.channels, shape.height, shape.width];
      losses = await tidyAsync(() => model.trainStepWithHook(tensor(batch.a, dims, { device }), tensor(batch.b, dims, { device }), this.gradientHook(batch.n), { overlap: this.overlap }));
    } else {
      for (const opt of [model.optimizerG, model.optimizerD]) {
        opt.zeroGrad();
        const total = await this.#explained(() => this.group.allreduceMean(opt.params, 0));
        // All ranks empty: a single process would have skipped the step too.
        if (total > 0) opt.step();
      }
    }
    if (this.checkWeights) await this.checkIdentical(model);
    return losses;
  }

  /**
   * Flags every rank must agree on after a step (stop requested, checkpoint due): each is true on every rank
   * when it is true on any, so all ranks stop, or save, after the same step.
   */
  async agreeAny(local: readonly boolean[]): Promise<boolean[]> {
    const flags = tensor(local.map((f) => (f ? 1 : 0)), [local.length], { device: this.#device });
    try {
      await this.#explained(() => this.group.allreduceSum([flags]));
      return [...flags.data()].map((v) => v > 0);
    } finally {
      flags.dispose();
    }
  }

  /**
   * Every other rank's image pools and pool generator, for rank 0's checkpoint (tensors named
   * pool.rank<r>.fake_A.<i>; rankRng[r] the generator of rank r, rankRng[0] rank 0's own). A collective:
   * every rank calls it at each checkpoint. `imageShape` is one pool image's [1, C, H, W].
   */
  async gatherPools(model: CycleGan, imageShape: number[], device: string): Promise<PoolSnapshot> {
    const exchange = ++this.#poolExchanges;
    const tensors = new Map<string, Tensor>();
    const rankRng: RngState[] = [model.poolRng.state()];
    for (let r = 1; r < this.worldSize; r++) {
      const key = `pools/${exchange}/${r}`;
      if (this.rank === r) await this.group.storeSet(key, JSON.stringify({ a: model.fakeAPool.images.length, b: model.fakeBPool.images.length, rng: model.poolRng.state() }));
      const info = JSON.parse((await this.agreeKey(key)) ?? '{}') as { a: number; b: number; rng: RngState };
      rankRng.push(info.rng);
      const own = this.rank === r;
      const buffers = own ? [...model.fakeAPool.images, ...model.fakeBPool.images] : Array.from({ length: info.a + info.b }, () => zeros(imageShape, { device }));
      if (buffers.length > 0) await this.#explained(() => this.group.broadcast(buffers, r));
      if (own) continue;
      if (this.isWriter) buffers.forEach((t, i) => tensors.set(i < info.a ? `pool.rank${r}.fake_A.${i}` : `pool.rank${r}.fake_B.${i - info.a}`, t));
      else for (const t of buffers) t.dispose();
    }
    return { tensors, rankRng, dispose: () => tensors.forEach((t) => t.dispose()) };
  }

  /**
   * On resume: hands each rank its pools and pool generator from rank 0's checkpoint (`file`, on rank 0
   * only) and restores them into `model`. Rank 0 restored its own with the checkpoint; a rank the
   * checkpoint has nothing for (it was written with fewer ranks) keeps its fresh generator.
   */
  async scatterPools(model: CycleGan, file: SafetensorsFile | null, progress: TrainingProgress, imageShape: number[], device: string): Promise<void> {
    for (let r = 1; r < this.worldSize; r++) {
      const key = `restore-pools/${r}`;
      const stored = (domain: string): string[] => (file ? [...file.tensors.keys()].filter((n) => n.startsWith(`pool.rank${r}.fake_${domain}.`)).sort((x, y) => Number(x.split('.').pop()) - Number(y.split('.').pop())) : []);
      if (this.isWriter) await this.group.storeSet(key, JSON.stringify({ a: stored('A').length, b: stored('B').length, rng: progress.rankRng?.[r] ?? null }));
      const info = JSON.parse((await this.agreeKey(key)) ?? '{}') as { a: number; b: number; rng: RngState | null };
      const buffers = this.isWriter ? [...stored('A'), ...stored('B')].map((n) => fromStored(file!.tensors.get(n)!, device)) : Array.from({ length: info.a + info.b }, () => zeros(imageShape, { device }));
      if (buffers.length > 0) await this.#explained(() => this.group.broadcast(buffers, 0));
      if (this.rank === r) {
        model.fakeAPool.restore(buffers.slice(0, info.a));
        model.fakeBPool.restore(buffers.slice(info.a));
        if (info.rng) model.poolRng.restore(info.rng);
      } else {
        for (const t of buffers) t.dispose();
      }
    }
  }

  /** A key rank 0 or another rank set in the store, waiting for it up to the group's timeout. */
  private async agreeKey(key: string): Promise<string | null> {
    return this.#explained(() => this.group.storeGet(key, this.group.timeoutMs));
  }

  /** A checksum of every parameter (FNV-1a over the float32 bytes); equal on every rank after every step. */
  static checksum(model: CycleGan): string {
    let h = 0x811c9dc5;
    for (const [, t] of model.namedParameters()) {
      const f = t.toFloat32();
      const bytes = new Uint8Array(f.buffer, f.byteOffset, f.byteLength);
      for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  }

  /** Throws when any rank's weights differ from another's (a test and debugging check; reads every weight). Returns the checksum. */
  async checkIdentical(model: CycleGan): Promise<string> {
    const mine = DistributedContext.checksum(model);
    // Each rank fills its own slot of a sum (float64 holds a 32-bit checksum exactly).
    const slots = tensor(Float64Array.from({ length: this.worldSize }, (_, r) => (r === this.rank ? parseInt(mine, 16) : 0)), [this.worldSize], { dtype: 'float64', device: this.#device });
    try {
      await this.#explained(() => this.group.allreduceSum([slots]));
      const all = [...slots.data()].map((v) => v.toString(16).padStart(8, '0'));
      if (all.some((v) => v !== mine)) throw new DistributedError(`weights differ between ranks: checksums ${all.map((v, r) => `rank ${r} ${v}`).join(', ')}`);
      return mine;
    } finally {
      slots.dispose();
    }
  }

  /**
   * Data/ generation split over ranks: each batch's images are divided into world_size contiguous parts,
   * each rank translates its part, and a sum over ranks (every other rank contributes zeros) hands every
   * rank the whole batch in order, so rank 0 writes Data/ and the manifest as one process would.
   * Every rank must call translate with the same batches.
   */
  shardedTranslator(local: Translator): Translator {
    return {
      translate: async (batch, shape) => {
        const [n, c, h, w] = shape;
        const plane = c * h * w;
        const per = Math.ceil(n / this.worldSize);
        const first = Math.min(n, this.rank * per);
        const last = Math.min(n, first + per);
        const out = new Float32Array(n * plane);
        if (last > first) out.set(await local.translate(batch.subarray(first * plane, last * plane), [last - first, c, h, w]), first * plane);
        const merged = tensor(out, [n * plane], { device: this.#device });
        try {
          await this.#explained(() => this.group.allreduceSum([merged]));
          return merged.toFloat32();
        } finally {
          merged.dispose();
        }
      },
      dispose: () => local.dispose(),
    };
  }

  /**
   * Waits for every rank, then leaves the group. Rank 0 serves the store and holds connections the others
   * may still be reading from, so it leaves only after every other rank said it is done.
   */
  async leave(): Promise<void> {
    this.#stopHeartbeat();
    if (this.group.destroyed) return;
    try {
      await this.#explained(() => this.group.barrier());
      if (this.isWriter) {
        for (let r = 1; r < this.worldSize; r++) await this.group.storeGet(`left/${r}`, this.group.timeoutMs);
      } else {
        await this.group.storeSet(`left/${this.rank}`, '1');
      }
    } finally {
      this.group.destroy();
    }
  }

  /** Leaves at once (after a failure): no barrier. */
  abort(): void {
    this.#stopHeartbeat();
    this.group.destroy();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Runs a collective; when it fails, names the ranks that stopped responding (their liveness counters stood still). */
  async #explained<R>(op: () => Promise<R>): Promise<R> {
    try {
      return await op();
    } catch (error) {
      throw new DistributedError(`${(error as Error).message}${await this.#silentRanks()}`);
    }
  }

  async #silentRanks(): Promise<string> {
    const read = async (): Promise<(number | null)[] | null> => {
      try {
        return await Promise.all(Array.from({ length: this.worldSize }, async (_, r) => {
          const v = await this.group.storeGet(`alive/${r}`, 0);
          return v === null ? null : Number(v);
        }));
      } catch {
        return null;
      }
    };
    const before = await read();
    if (!before) return this.isWriter ? '' : ` (rank 0, which serves the rendezvous store, is gone: its process died or its machine is unreachable)`;
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    const after = await read();
    if (!after) return ` (rank 0, which serves the rendezvous store, is gone: its process died or its machine is unreachable)`;
    const silent = after.map((v, r) => (r !== this.rank && v === before[r] ? r : -1)).filter((r) => r >= 0);
    if (silent.length === 0) return ' (every rank is still alive: one may be stuck or far slower than the others)';
    return ` (rank${silent.length > 1 ? 's' : ''} ${silent.join(', ')} stopped responding: the process died or its machine is unreachable)`;
  }
}

/** Other ranks' pool state, held by rank 0 until its checkpoint is written. */
export interface PoolSnapshot {
  tensors: Map<string, Tensor>;
  rankRng: RngState[];
  dispose(): void;
}
