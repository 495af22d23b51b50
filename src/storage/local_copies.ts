/**
 * Where the local copy of an object lies in the download cache: OBJECTS/<scheme>/<bucket>/<key>, the
 * key's folders kept, so a downloaded prefix is an ordinary folder (or folder of class folders) that
 * scanning and validation read as they read any local input.
 *
 * While object storage is in use (src/storage/with_object_storage.ts), the cache is registered here so
 * a manifest line naming s3:// or obs:// (src/data/modelarts_manifest.ts) reads the copy downloaded
 * before scanning. This file has no S3 client in it, so the data code can import it cheaply.
 */
import { join, sep } from 'node:path';
import { parseObjectUrl, safeKeySegments, type ObjectUrl } from './object_url.js';

/** The folder of downloaded objects inside a cache folder. */
export function objectsRoot(cacheDir: string): string {
  return join(cacheDir, 'objects');
}

/** The local copy's path, or null for a key that cannot be a local path (see safeKeySegments). */
export function localPathOfObject(cacheDir: string, url: ObjectUrl): string | null {
  if (url.key === '') return join(objectsRoot(cacheDir), url.scheme, url.bucket);
  const segments = safeKeySegments(url.key.replace(/\/$/, ''));
  return segments ? join(objectsRoot(cacheDir), url.scheme, url.bucket, ...segments) : null;
}

let activeCacheDir: string | null = null;

/** Registers (or, with null, clears) the cache that remote manifest lines are read from. */
export function setActiveObjectCache(cacheDir: string | null): void {
  activeCacheDir = cacheDir;
}

/** The local copy of the object `source` names, when a cache is active and the key is usable; else null. */
export function localCopyOf(source: string): string | null {
  if (activeCacheDir === null) return null;
  try {
    return localPathOfObject(activeCacheDir, parseObjectUrl(source));
  } catch {
    return null;
  }
}

/**
 * For a manifest downloaded from a bucket: whether a relative `source` resolved to `path` stays inside
 * that bucket's copy. A manifest from outside must not name files of this machine through '../'.
 */
export function staysInBucket(manifest: string, path: string): boolean {
  if (activeCacheDir === null) return true;
  const root = objectsRoot(activeCacheDir) + sep;
  if (!manifest.startsWith(root)) return true;
  const [scheme, bucket] = manifest.slice(root.length).split(sep);
  return path.startsWith(join(root, scheme, bucket) + sep);
}
