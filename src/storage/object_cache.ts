/**
 * The download cache: objects copied to OBJECTS/<scheme>/<bucket>/<key> (src/storage/local_copies.ts),
 * each with a record of the ETag and size it was downloaded at. An object whose listed ETag and size
 * match its record is used as it is, so a second run on the same data downloads nothing; an object
 * rewritten in the bucket has a new ETag and is downloaded again. Downloads run in parallel and
 * report progress as 'transfer' events.
 */
import { readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DatasetError } from '../errors.js';
import type { EventSink } from '../io/events.js';
import { localPathOfObject } from './local_copies.js';
import type { ObjectInfo, ObjectStore } from './object_store.js';
import { formatObjectUrl, type ObjectUrl } from './object_url.js';
import { mapLimit } from './parallel.js';

/** Downloads at a time; S3 serves many connections well, and each is mostly waiting on the network. */
const CONCURRENCY = 8;

interface TagRecord {
  etag: string;
  size: number;
}

export class ObjectCache {
  constructor(
    readonly dir: string,
    private readonly store: ObjectStore,
    private readonly emit: EventSink,
  ) {}

  /** The local copy's path; a key that would leave the cache ('..', '//') is refused. */
  pathOf(url: ObjectUrl): string {
    const path = localPathOfObject(this.dir, url);
    if (path === null) throw new DatasetError(`the object key of ${formatObjectUrl(url)} has an empty, '.' or '..' part and cannot be copied to a local file; rename the object`);
    return path;
  }

  private recordOf(path: string): string {
    // Beside the cache's objects tree rather than in it, so scanning never sees the records.
    return join(this.dir, 'etags', `${path.slice(join(this.dir, 'objects').length + 1)}.json`);
  }

  /** True when the local copy is the listed version of the object. */
  async isCurrent(info: ObjectInfo): Promise<boolean> {
    const path = this.pathOf(info.url);
    try {
      const record = JSON.parse(await readFile(this.recordOf(path), 'utf8')) as TagRecord;
      return record.etag === info.etag && record.size === info.size && (await stat(path)).size === info.size;
    } catch {
      return false;
    }
  }

  /** Makes every object's local copy current, downloading what is missing or changed; `label` names the whole in progress events. */
  async fetch(objects: readonly ObjectInfo[], label: string): Promise<{ downloaded: number; reused: number; bytes: number }> {
    const current = await mapLimit(objects, 32, (info) => this.isCurrent(info));
    const stale = objects.filter((_, i) => !current[i]);
    let done = 0;
    let bytes = 0;
    if (stale.length > 0) this.emit({ type: 'transfer', direction: 'download', done: 0, total: stale.length, bytes: 0, url: label });
    await mapLimit(stale, CONCURRENCY, async (info) => {
      const path = this.pathOf(info.url);
      const record = this.recordOf(path);
      // The record goes first and comes back last: a crash in between leaves no record, so the copy is fetched again.
      await rm(record, { force: true });
      const got = await this.store.download(info.url, path);
      await mkdir(dirname(record), { recursive: true });
      await writeFile(record, JSON.stringify({ etag: got.etag, size: got.size } satisfies TagRecord));
      bytes += got.size;
      this.emit({ type: 'transfer', direction: 'download', done: ++done, total: stale.length, bytes, url: label });
    });
    return { downloaded: stale.length, reused: objects.length - stale.length, bytes };
  }

  /** Forgets a local copy (an object no longer in the bucket). */
  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
    await rm(this.recordOf(path), { force: true });
  }
}
