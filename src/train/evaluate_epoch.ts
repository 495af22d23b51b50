/**
 * Quality metrics during training: every eval_frequency epochs (0: with each save), the X->Y generator
 * translates a fixed, seeded subset of eval_images source images, and KID* and FID* (src/metrics/) compare
 * them with as many real target images, both at the training size and resized alike for the feature
 * network. Each evaluation is a `metrics` event (logged to logs/train.jsonl like the others); the best epoch by KID*
 * in the mixed5 space (ImageNet's features; see the README) is recorded in best.json, and its model files
 * are hard-linked into model/best/ so they survive whatever happens to model/ later.
 *
 * The subsets are drawn from the training folders (the tool has no held-out split): the numbers follow
 * progress on the data the model sees, which is what picking an epoch needs.
 */
import { existsSync, linkSync, copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Parameters } from '../config/parameters.js';
import { convolutionPrecisionOf } from '../config/resolve.js';
import { loadImage } from '../data/decode.js';
import type { ScannedFile } from '../data/scan.js';
import { tensor, tidy } from '../engine/index.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { FeatureCollector } from '../metrics/feature_sets.js';
import type { FeatureMatrix } from '../metrics/features.js';
import { frechetInceptionDistance } from '../metrics/fid.js';
import { InceptionExtractor } from '../metrics/inception_extractor.js';
import { kernelInceptionDistance } from '../metrics/kid.js';
import type { CycleGan } from '../model/cyclegan.js';
import { engineTranslator } from '../translate/translator.js';
import type { EventSink, MetricScores } from '../io/events.js';
import type { RunFolder } from '../io/run_folder.js';
import { saveModelFiles } from './save_model.js';
import { derivedRng } from './seeds.js';

/** A random stream of its own, apart from seeds.ts's (order, source, target, pool). */
const EVAL_STREAM = 101;
const BATCH = 8;
/** The space whose KID* picks the best epoch. */
export const BEST_SPACE = 'mixed5';

export interface BestEpoch {
  by: string;
  epoch: number;
  kid: number;
  scores: Record<string, MetricScores>;
  /** The model files, as links in model/best/. */
  files: string[];
}

/** A seeded subset of `files` (at most n), in listing order. */
export function evalSubset(files: readonly ScannedFile[], n: number, seed: number, which: number): string[] {
  const paths = files.map((f) => f.path);
  if (paths.length <= n) return paths;
  const picked = new Set(derivedRng(seed, EVAL_STREAM, which).shuffle([...paths]).slice(0, n));
  return paths.filter((p) => picked.has(p));
}

export class EpochEvaluator {
  readonly #source: string[];
  readonly #target: string[];
  #real: Record<string, FeatureMatrix> | null = null;
  #best: BestEpoch | null;

  constructor(
    readonly p: Readonly<Parameters>,
    readonly folder: RunFolder,
    source: readonly ScannedFile[],
    target: readonly ScannedFile[],
    readonly emit: EventSink,
  ) {
    this.#source = evalSubset(source, p.eval_images, p.seed, 0);
    this.#target = evalSubset(target, p.eval_images, p.seed, 1);
    this.#best = readBest(this.bestFile, emit);
  }

  get bestFile(): string {
    return join(this.folder.root, 'best.json');
  }

  isDue(epoch: number): boolean {
    const { eval_images: n, eval_frequency: every, save_frequency: save, max_epoch: last } = this.p;
    if (n === 0) return false;
    return epoch === last || epoch % (every === 0 ? save : every) === 0;
  }

  /** Evaluates the generator after `epoch` when due (not when the run is being interrupted). */
  async afterEpoch(model: CycleGan, epoch: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || !this.isDue(epoch)) return;
    if (this.#source.length < 2 || this.#target.length < 2) {
      this.emit({ type: 'warning', message: `metrics skipped: KID and FID need at least 2 source and 2 target images (have ${this.#source.length} and ${this.#target.length})` });
      return;
    }
    const extractor = await InceptionExtractor.load({ device: this.p.device });
    try {
      this.#real ??= await this.#features(extractor, this.#target, null);
      const fake = await this.#features(extractor, this.#source, model);
      const scores: Record<string, MetricScores> = {};
      for (const space of extractor.spaces) {
        const kid = kernelInceptionDistance(this.#real[space.key]!, fake[space.key]!, { seed: this.p.seed });
        scores[space.key] = { kid: kid.mean, kidStd: kid.std, fid: frechetInceptionDistance(this.#real[space.key]!, fake[space.key]!).value };
      }
      const kid = scores[BEST_SPACE]!.kid;
      if (!this.#best || kid < this.#best.kid) await this.#recordBest(model, epoch, kid, scores);
      const event = {
        type: 'metrics' as const,
        epoch,
        images: { real: this.#target.length, fake: this.#source.length },
        scores,
        bestEpoch: this.#best!.epoch,
      };
      // The trainer's event stream writes it to logs/train.jsonl too (run_log.ts).
      this.emit(event);
    } finally {
      extractor.dispose();
    }
  }

  /** Features of the real images (model null) or of their translations, both at the training size first. */
  async #features(extractor: InceptionExtractor, files: string[], model: CycleGan | null): Promise<Record<string, FeatureMatrix>> {
    const p = this.p;
    const shape = { channels: p.image_channel, height: p.image_height, width: p.image_width };
    const translator = model ? engineTranslator(model.generatorForUse(), p.device, false, convolutionPrecisionOf(p)) : null;
    const collector = new FeatureCollector(extractor);
    for (let start = 0; start < files.length; start += BATCH) {
      const batch = files.slice(start, start + BATCH);
      const dims: [number, number, number, number] = [batch.length, shape.channels, shape.height, shape.width];
      const images = await Promise.all(batch.map((f) => loadImage(f, shape)));
      const pixels = new Float32Array(images.length * images[0]!.length);
      images.forEach((img, i) => pixels.set(img, i * img.length));
      const out = translator ? await translator.translate(pixels, dims) : pixels;
      tidy(() => {
        const x = tensor(out, dims, { device: p.device });
        // Grayscale runs: the feature network wants RGB, so the one channel is repeated.
        collector.addBatch(shape.channels === 1 ? x.expand([dims[0], 3, dims[2], dims[3]]).contiguous() : x);
      });
    }
    translator?.dispose();
    return collector.result();
  }

  async #recordBest(model: CycleGan, epoch: number, kid: number, scores: Record<string, MetricScores>): Promise<void> {
    const f = this.folder;
    const files = [f.modelFile(epoch, 'safetensors'), f.modelFile(epoch, 'pb'), f.modelFile(epoch, 'onnx')];
    // An evaluated epoch that was not a save epoch gets its model files now.
    if (!files.every((file) => existsSync(file))) await saveModelFiles(model, this.p, epoch, f);
    const bestDir = join(f.model, 'best');
    const staging = `${bestDir}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const file of files) {
      // A hard link keeps the data even if model/ is later pruned; a copy where links are not possible.
      try {
        linkSync(file, join(staging, basename(file)));
      } catch {
        copyFileSync(file, join(staging, basename(file)));
      }
    }
    const old = `${bestDir}.old-${process.pid}`;
    if (existsSync(bestDir)) renameSync(bestDir, old);
    renameSync(staging, bestDir);
    rmSync(old, { recursive: true, force: true });
    this.#best = { by: `KID* ${BEST_SPACE} (mean)`, epoch, kid, scores, files: files.map((file) => join(bestDir, basename(file))) };
    writeFileAtomic(this.bestFile, JSON.stringify(this.#best, null, 2) + '\n');
  }
}

/** The best epoch so far of a resumed run; a damaged file is reported and the record starts over. */
function readBest(path: string, emit: EventSink): BestEpoch | null {
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as BestEpoch;
    if (typeof value?.epoch === 'number' && typeof value.kid === 'number' && Number.isFinite(value.kid)) return value;
    throw new Error('no numeric epoch and kid');
  } catch (error) {
    emit({ type: 'warning', message: `${path} could not be read (${(error as Error).message}); the best epoch is recorded again from this run's evaluations` });
    return null;
  }
}
