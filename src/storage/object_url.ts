/**
 * Object storage addresses: `s3://bucket/key` and `obs://bucket/key` (Huawei OBS, spoken to through
 * its S3-compatible API). Both name a bucket and a key (or key prefix) on the configured endpoint;
 * the scheme is kept only so messages and manifests show the address the user wrote.
 */
import { ConfigError } from '../errors.js';

export type ObjectScheme = 's3' | 'obs';

export interface ObjectUrl {
  readonly scheme: ObjectScheme;
  readonly bucket: string;
  /** The key or key prefix, without a leading slash; '' for the whole bucket. */
  readonly key: string;
}

const URL_PATTERN = /^(s3|obs):\/\/([^/]*)\/?(.*)$/i;

export function isObjectUrl(text: string): boolean {
  return /^(s3|obs):\/\//i.test(text);
}

export function parseObjectUrl(text: string, what = 'the address'): ObjectUrl {
  const match = URL_PATTERN.exec(text);
  if (!match) throw new ConfigError(`Expected an s3://bucket/key or obs://bucket/key address for ${what} but received ${text}`);
  const [, scheme, bucket, key] = match;
  // S3's own bucket rule, so a typo fails here rather than as a signature or DNS error later.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ConfigError(`Expected a bucket name of 3 to 63 lower-case letters, digits, dots and hyphens in ${what} but received '${bucket}' in ${text}`);
  }
  return { scheme: scheme.toLowerCase() as ObjectScheme, bucket, key: key.replace(/^\/+/, '') };
}

export function formatObjectUrl(url: ObjectUrl): string {
  return `${url.scheme}://${url.bucket}/${url.key}`;
}

/** The key prefix under which a "folder" address's objects lie: '' or ending in '/'. */
export function folderPrefix(url: ObjectUrl): string {
  return url.key === '' || url.key.endsWith('/') ? url.key : `${url.key}/`;
}

/** `url`'s folder joined with a relative key (POSIX '/' separators). */
export function childUrl(url: ObjectUrl, relative: string): ObjectUrl {
  return { ...url, key: folderPrefix(url) + relative };
}

/**
 * The key's segments, refused when one would step out of the folder it is copied into ('..', '.', an
 * empty segment from '//') or cannot be a file name: a bucket is outside input, so its keys are too.
 */
export function safeKeySegments(key: string): string[] | null {
  const segments = key.split('/');
  for (const s of segments) if (s === '' || s === '.' || s === '..' || s.includes('\0')) return null;
  return segments;
}
