/**
 * An output folder in a bucket (--out s3://...). The run writes to a local scratch folder in the
 * cache, as it writes any output folder; this mirror copies each file to the bucket once it is
 * complete: a sync pass after the run events that follow writes ('start', 'epoch', 'saved',
 * 'interrupted', 'generate', 'done') and a last one when the run returns. A pass uploads every file
 * whose size or modification time differs from what was last uploaded, each as one whole object, the
 * checkpoint after everything else (so a checkpoint in the bucket never points past files missing
 * there). Files are written by temp + rename (src/io/atomic_write.ts), the log is appended line by
 * line, and temporary files are hidden names, which are skipped: an upload reads a complete file.
 *
 * A failed upload (after retries) is reported as a warning and tried again by the next pass; the
 * local copy is never removed. When the last pass still fails, the run ends with a StorageError, and
 * the same command later uploads what is left, training continuing from the local checkpoint.
 *
 * On opening, the bucket is the truth: local files recorded as uploaded whose object has since changed
 * or gone are dropped, files never uploaded are kept (to be uploaded), and for training the
 * checkpoint, parameters and log are downloaded when missing, so a fresh machine given the same
 * --out continues the run the bucket holds.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { StorageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import type { EventSink, RunEvent } from '../io/events.js';
import { StorageFault } from './faults.js';
import type { ObjectStore } from './object_store.js';
import { childUrl, folderPrefix, formatObjectUrl, type ObjectUrl } from './object_url.js';
import { mapLimit } from './parallel.js';

/** What a fresh machine needs to continue a training run: the checkpoint, and the files the trainer extends. */
const RESUME_FILES = ['checkpoints/latest.safetensors', 'params.json', 'logs/train.jsonl'];
/** Uploads at a time. */
const CONCURRENCY = 4;
/** Files up to this size are read whole before uploading (the log grows while it is read); larger ones are streamed. */
const READ_WHOLE_BYTES = 64 * 1024 * 1024;
const GENERATE_PASS_MS = 10_000;
const SYNC_EVENTS = new Set<RunEvent['type']>(['start', 'epoch', 'saved', 'interrupted', 'generate', 'done']);

interface UploadRecord {
  size: number;
  mtimeMs: number;
  etag: string;
}

/** Rewrites a file's bytes for the bucket (local paths to addresses); null to upload them as they are. */
export type UploadBody = (relative: string, bytes: Buffer) => Buffer | null;

export class RunMirror {
  private readonly records = new Map<string, UploadRecord>();
  private readonly failures = new Map<string, StorageError>();
  private running: Promise<void> | null = null;
  private lastGeneratePass = 0;
  private again = false;

  private constructor(
    readonly url: ObjectUrl,
    readonly localRoot: string,
    private readonly recordsFile: string,
    private readonly store: ObjectStore,
    private readonly emit: EventSink,
    private readonly body: UploadBody,
  ) {}

  /** Opens (and checks, by listing it) the output address; `resume` downloads what a training run continues from. */
  static async open(url: ObjectUrl, cacheDir: string, store: ObjectStore, emit: EventSink, body: UploadBody, resume: boolean): Promise<RunMirror> {
    const address = formatObjectUrl(url);
    const slug = `${url.bucket}-${url.key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}`;
    const localRoot = join(cacheDir, 'runs', `${slug}-${createHash('sha256').update(address).digest('hex').slice(0, 12)}`);
    const mirror = new RunMirror(url, localRoot, `${localRoot}.uploaded.json`, store, emit, body);
    await mirror.reconcile(resume);
    return mirror;
  }

  private objectUrl(relative: string): ObjectUrl {
    return childUrl(this.url, relative);
  }

  private async reconcile(resume: boolean): Promise<void> {
    const prefix = folderPrefix(this.url);
    const remote = new Map((await this.store.list(this.url, prefix)).map((o) => [o.url.key.slice(prefix.length), o]));
    await mkdir(this.localRoot, { recursive: true });
    try {
      for (const [k, v] of Object.entries(JSON.parse(await readFile(this.recordsFile, 'utf8')) as Record<string, UploadRecord>)) this.records.set(k, v);
    } catch {
      // No record (a fresh cache) or an unreadable one: every local file counts as not uploaded.
    }
    const pending: string[] = [];
    const local = await listFiles(this.localRoot);
    // A record without its file (the scratch folder cleared by hand) says nothing about this machine.
    const present = new Set(local);
    for (const rel of [...this.records.keys()]) if (!present.has(rel)) this.records.delete(rel);
    for (const rel of local) {
      const record = this.records.get(rel);
      const info = await stat(join(this.localRoot, rel));
      if (record && sameVersion(record, info)) {
        if (remote.get(rel)?.etag !== record.etag) {
          // Uploaded earlier, but the bucket has moved on (another machine continued the run) or dropped it.
          await rm(join(this.localRoot, rel), { force: true });
          this.records.delete(rel);
        }
      } else pending.push(rel);
    }
    if (pending.length > 0) {
      this.emit({ type: 'warning', message: `${pending.length} file(s) of an earlier run to ${formatObjectUrl(this.url)} were never uploaded; they are kept in ${this.localRoot} and uploaded now: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', ...' : ''}` });
    }
    if (resume) {
      const wanted = RESUME_FILES.filter((rel) => remote.has(rel) && !pending.includes(rel) && !this.records.has(rel));
      let bytes = 0;
      for (const [i, rel] of wanted.entries()) {
        const path = join(this.localRoot, ...rel.split('/'));
        const got = await this.store.download(this.objectUrl(rel), path);
        const info = await stat(path);
        this.records.set(rel, { size: info.size, mtimeMs: info.mtimeMs, etag: got.etag });
        bytes += got.size;
        this.emit({ type: 'transfer', direction: 'download', done: i + 1, total: wanted.length, bytes, url: formatObjectUrl(this.url) });
      }
    }
    this.saveRecords();
  }

  /** Feeds the mirror the run's events: those that follow writes start a sync pass. */
  notice(event: RunEvent): void {
    if (!SYNC_EVENTS.has(event.type)) return;
    // Translation reports every batch: a pass at most every GENERATE_PASS_MS keeps Data/ flowing out
    // without a listing (and a progress line) per batch; the last pass after the run sends the rest.
    if (event.type === 'generate' && event.done < event.total && Date.now() - this.lastGeneratePass < GENERATE_PASS_MS) return;
    if (event.type === 'generate') this.lastGeneratePass = Date.now();
    void this.schedule();
  }

  private schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again);
      } catch (error) {
        // Not a storage failure (those are kept per file): a local file that could not be read. Passes run
        // unawaited beside the training, so this must not escape; finish() reports it.
        const failure = new StorageError(`cannot upload the run folder ${this.localRoot} to ${formatObjectUrl(this.url)}: ${(error as Error).message}`);
        this.emit({ type: 'warning', message: failure.message });
        this.failures.set('', failure);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** The last pass, after the run has returned; throws when files remain that could not be uploaded. */
  async finish(): Promise<void> {
    while (this.running) await this.running;
    await this.schedule();
    if (this.failures.size > 0) {
      const [first] = this.failures.values();
      throw new StorageError(
        `${this.failures.size} file(s) could not be uploaded to ${formatObjectUrl(this.url)} (${first.message}). They are kept in ${this.localRoot}; run the same command again to upload them (training continues from the local checkpoint)`,
      );
    }
  }

  private async pass(): Promise<void> {
    const changed: { rel: string; info: Stats }[] = [];
    for (const rel of await listFiles(this.localRoot)) {
      const info = await stat(join(this.localRoot, rel)).catch(() => null);
      const record = this.records.get(rel);
      if (info && !(record && sameVersion(record, info))) changed.push({ rel, info });
    }
    this.failures.delete('');
    if (changed.length === 0) return;
    const isCheckpoint = (rel: string) => rel.startsWith('checkpoints/');
    const address = formatObjectUrl(this.url);
    let done = 0;
    let bytes = 0;
    // Once the endpoint is found unreachable after all retries, the rest of this pass fails at once
    // instead of waiting out the retries file by file; the next pass (or run) tries them again.
    let unreachable: StorageError | null = null;
    const upload = async ({ rel, info }: { rel: string; info: Stats }) => {
      const path = join(this.localRoot, rel);
      try {
        if (unreachable) throw unreachable;
        const whole = info.size <= READ_WHOLE_BYTES ? await readFile(path) : undefined;
        const got = await this.store.upload(path, this.objectUrl(rel), whole && (this.body(rel, whole) ?? whole));
        // Changed while being read (the log, appended to): left for the next pass, which sends the new content.
        const now = await stat(path).catch(() => null);
        if (now && sameVersion({ size: info.size, mtimeMs: info.mtimeMs, etag: '' }, now) && (!whole || whole.length === info.size)) {
          this.records.set(rel, { size: info.size, mtimeMs: info.mtimeMs, etag: got.etag });
        }
        this.failures.delete(rel);
        bytes += got.size;
      } catch (error) {
        if (!(error instanceof StorageError)) throw error;
        if (error instanceof StorageFault && error.kind === 'unreachable') unreachable ??= error;
        if (!this.failures.has(rel)) this.emit({ type: 'warning', message: `${error.message}; the local copy is kept and will be uploaded again` });
        this.failures.set(rel, error);
      }
      this.emit({ type: 'transfer', direction: 'upload', done: ++done, total: changed.length, bytes, url: address });
    };
    await mapLimit(
      changed.filter((c) => !isCheckpoint(c.rel)),
      CONCURRENCY,
      upload,
    );
    await mapLimit(
      changed.filter((c) => isCheckpoint(c.rel)),
      CONCURRENCY,
      upload,
    );
    this.saveRecords();
  }

  private saveRecords(): void {
    writeFileAtomic(this.recordsFile, JSON.stringify(Object.fromEntries(this.records)));
  }
}

function sameVersion(record: UploadRecord, info: Stats): boolean {
  return record.size === info.size && record.mtimeMs === info.mtimeMs;
}

/** Files under `root` as '/'-separated relative paths, hidden names (temporary files) skipped. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const e of entries) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name).slice(root.length + 1);
    if (rel.split(sep).some((part) => part.startsWith('.'))) continue;
    files.push(rel.split(sep).join('/'));
  }
  return files.sort();
}

