/**
 * Bringing inputs from a bucket to local files before a run. An address names either one object (a
 * manifest, or a model for predict) or a prefix, a "folder" whose image objects are copied, keys'
 * folders kept, so the copy is a flat folder or a folder of class folders exactly as in the bucket.
 * Manifests, downloaded or local, are read for `source` lines naming s3:// or obs:// objects (or,
 * in a downloaded manifest, keys relative to it), and those objects are copied too. Scanning and
 * validation then read the local copies as they read any local input.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { DatasetError } from '../errors.js';
import { isImageName } from '../io/image_names.js';
import type { EventSink } from '../io/events.js';
import type { ObjectCache } from './object_cache.js';
import type { ObjectInfo, ObjectStore } from './object_store.js';
import { folderPrefix, formatObjectUrl, isObjectUrl, parseObjectUrl, safeKeySegments, type ObjectUrl } from './object_url.js';
import { mapLimit } from './parallel.js';

export class InputStager {
  constructor(
    private readonly store: ObjectStore,
    private readonly cache: ObjectCache,
    private readonly emit: EventSink,
  ) {}

  /** The local path to give the run for input address `address` (`what` names it in messages). */
  async stage(address: string, what: string): Promise<string> {
    const url = parseObjectUrl(address, what);
    // One listing answers both questions: is there an object of exactly this key, and what lies under it.
    const listed = await this.store.list(url, url.key);
    const single = listed.find((o) => o.url.key === url.key && !url.key.endsWith('/') && url.key !== '');
    if (single) {
      await this.cache.fetch([single], address);
      const local = this.cache.pathOf(url);
      if (await looksLikeManifest(local)) await this.stageManifestSources(local, url);
      return local;
    }
    return this.stageFolder(url, address, listed);
  }

  /** One object (predict's --resume model), which must exist. */
  async stageObject(address: string, what: string): Promise<string> {
    const url = parseObjectUrl(address, what);
    const info = await this.store.head(url);
    if (!info) throw new DatasetError(`${what} ${address} does not exist: no object with that key (at ${this.store.endpoint})`);
    await this.cache.fetch([info], address);
    return this.cache.pathOf(url);
  }

  private async stageFolder(url: ObjectUrl, address: string, under: readonly ObjectInfo[]): Promise<string> {
    const prefix = folderPrefix(url);
    const listed = under.filter((o) => o.url.key.startsWith(prefix));
    const wanted: ObjectInfo[] = [];
    const skipped: string[] = [];
    for (const info of listed) {
      const rel = info.url.key.slice(prefix.length);
      const segments = safeKeySegments(rel);
      // Scanning reads images one or two levels deep (flat or class folders) and skips hidden names: copy just those.
      if (!segments || segments.length > 2 || segments.some((s) => s.startsWith('.')) || !isImageName(rel)) {
        if (rel !== '' && !rel.endsWith('/')) skipped.push(rel);
        continue;
      }
      wanted.push(info);
    }
    if (wanted.length === 0) {
      throw new DatasetError(
        `${address} holds no images: there is no object with that key, and no image objects (${skipped.length} other objects) under ${formatObjectUrl({ ...url, key: prefix })}. Expected a prefix of images, of class folders of images, or a manifest object`,
      );
    }
    const local = this.cache.pathOf({ ...url, key: prefix });
    await this.pruneFolder(local, new Set(wanted.map((w) => this.cache.pathOf(w.url))));
    await this.cache.fetch(wanted, address);
    return local;
  }

  /** Removes copies of objects since deleted from the bucket, so the local folder lists what the bucket does. */
  private async pruneFolder(folder: string, keep: ReadonlySet<string>): Promise<void> {
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
      if (e.isFile() && isImageName(e.name) && !keep.has(path) && relative(folder, path).split(sep).length <= 2) await this.cache.remove(path);
    }
  }

  /**
   * Copies the objects a manifest's lines name: s3:// and obs:// sources, and for a manifest from a
   * bucket (`from`), sources relative to it. Lines that cannot be read are left to the manifest reader,
   * which reports them with their line numbers.
   */
  async stageManifestSources(manifest: string, from: ObjectUrl | null): Promise<void> {
    const urls = new Map<string, ObjectUrl>();
    for (const raw of (await readFile(manifest, 'utf8')).split(/\r?\n/)) {
      let source: unknown;
      try {
        source = (JSON.parse(raw) as { source?: unknown } | null)?.source;
      } catch {
        continue;
      }
      if (typeof source !== 'string' || source === '') continue;
      let url: ObjectUrl | null = null;
      if (isObjectUrl(source)) {
        try {
          url = parseObjectUrl(source, `a manifest source in ${manifest}`);
        } catch {
          continue;
        }
      } else if (from && !isAbsolute(source) && !/^[a-z][a-z0-9+.-]*:/i.test(source)) {
        const key = posix.normalize(posix.join(posix.dirname(from.key), source));
        if (!key.startsWith('../')) url = { ...from, key };
      }
      if (url && safeKeySegments(url.key)) urls.set(formatObjectUrl(url), url);
    }
    if (urls.size === 0) return;
    const found = await mapLimit([...urls.values()], 16, (u) => this.store.head(u));
    const missing = [...urls.keys()].filter((_, i) => found[i] === null);
    if (missing.length > 0) {
      // As with a missing local file: validation reports it as unreadable, and the run goes on without it.
      this.emit({ type: 'warning', message: `manifest ${from ? formatObjectUrl(from) : manifest} names ${missing.length} object(s) that do not exist: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}` });
    }
    await this.cache.fetch(found.filter((f): f is ObjectInfo => f !== null), from ? formatObjectUrl(from) : manifest);
  }
}

/** A manifest's first non-blank character is '{' (the scanner's own test). */
export async function looksLikeManifest(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile() || isImageName(path)) return false;
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '').trimStart().startsWith('{');
  } catch {
    return false;
  }
}
