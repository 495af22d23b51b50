/**
 * The few S3 calls the runs need (list, head, download to a file, upload a file), each retried on
 * transient failures and turned into a one-line StorageError naming the address otherwise.
 * Downloads go to a temporary file renamed into place, so an interrupted download never leaves a
 * partial file where a complete one is expected.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { classify, isTransient, storageError } from './faults.js';
import { formatObjectUrl, type ObjectUrl } from './object_url.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface ObjectInfo {
  readonly url: ObjectUrl;
  /** The server's version tag of the content: it changes when the object is rewritten. */
  readonly etag: string;
  readonly size: number;
}

export class ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly endpoint: string,
    readonly retry: RetryPolicy,
  ) {}

  private call<T>(url: ObjectUrl, action: string, attempt: () => Promise<T>): Promise<T> {
    return withRetry(this.retry, isTransient, attempt, (f) => storageError(f.error, { url: formatObjectUrl(url), bucket: url.bucket, endpoint: this.endpoint, action, attempts: f.attempts, seconds: f.seconds }));
  }

  /** Every object whose key starts with `prefix` (all pages). */
  async list(url: ObjectUrl, prefix: string): Promise<ObjectInfo[]> {
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(url, 'list', () => this.client.send(new ListObjectsV2Command({ Bucket: url.bucket, Prefix: prefix, ContinuationToken: token })));
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) out.push({ url: { ...url, key: o.Key }, etag: o.ETag ?? '', size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** The object's tag and size, or null when there is no such object (the bucket must exist). */
  async head(url: ObjectUrl): Promise<ObjectInfo | null> {
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    const found = await this.call(url, 'read', async () => {
      try {
        const r = await this.client.send(new HeadObjectCommand({ Bucket: url.bucket, Key: url.key }));
        return { url, etag: r.ETag ?? '', size: r.ContentLength ?? 0 };
      } catch (error) {
        const kind = classify(error);
        if (kind === 'no-object' || kind === 'denied' || kind === 'credentials') return null;
        throw error;
      }
    });
    // HEAD answers carry no body, so a missing bucket looks like a missing object, and a wrong secret like
    // any refusal; a listing's answer says which (and throws it), or finds the object HEAD may not see.
    return found ?? (await this.list(url, url.key)).find((o) => o.url.key === url.key) ?? null;
  }

  /** Downloads the object to `file` (through a temporary file beside it); returns its tag and size. */
  async download(url: ObjectUrl, file: string): Promise<ObjectInfo> {
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    await mkdir(dirname(file), { recursive: true });
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}.download`);
    try {
      return await this.call(url, 'download', async () => {
        const r = await this.client.send(new GetObjectCommand({ Bucket: url.bucket, Key: url.key }));
        await pipeline(r.Body as Readable, createWriteStream(temp));
        const size = (await stat(temp)).size;
        // A connection cut mid-body can end the stream early without an error: count the bytes.
        if (r.ContentLength !== undefined && size !== r.ContentLength) throw Object.assign(new Error(`got ${size} of ${r.ContentLength} bytes`), { code: 'ECONNRESET' });
        await rename(temp, file);
        return { url, etag: r.ETag ?? '', size };
      });
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** Uploads `file` whole as one object (or `body` instead of the file's bytes); returns the new tag. */
  async upload(file: string, url: ObjectUrl, body?: Buffer): Promise<ObjectInfo> {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    return this.call(url, 'upload', async () => {
      const size = body ? body.length : (await stat(file)).size;
      // A stream is consumed by a failed attempt, so each attempt opens the file again.
      const r = await this.client.send(new PutObjectCommand({ Bucket: url.bucket, Key: url.key, Body: body ?? createReadStream(file), ContentLength: size }));
      return { url, etag: r.ETag ?? '', size };
    });
  }
}
