/**
 * Object storage around a run. `withObjectStorage(paths, options, run)` gives `run` local paths for
 * every s3:// or obs:// address among the source, target, output and model: inputs are downloaded to
 * the cache first (src/storage/input_staging.ts), the output goes to a scratch folder mirrored to
 * the bucket as the run writes it (src/storage/run_mirror.ts), and events and errors name the
 * addresses instead of the local copies. With only local paths it calls `run` as it is, and the S3
 * client is never loaded.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, CycleGanError, StorageError } from '../errors.js';
import type { EventSink, RunEvent } from '../io/events.js';
import type { ConnectionSettings } from './connection.js';
import { isObjectUrl } from './object_url.js';
import type { RetryPolicy } from './retry.js';
import type { RunPaths } from './run_paths.js';

export type { RunPaths } from './run_paths.js';

export interface ObjectStorageOptions {
  /** 'train' continues from the checkpoint stored at an --out address; 'predict' downloads only inputs. */
  mode: 'train' | 'predict';
  /** train --restart: the run starts over, so the stored checkpoint is not downloaded. */
  restart?: boolean;
  /** --s3_endpoint; else AWS_ENDPOINT_URL, else S3_ENDPOINT. */
  endpoint?: string;
  /** Downloads and scratch output; default CYCLEGAN_CACHE_DIR, else $XDG_CACHE_HOME/cyclegan, else ~/.cache/cyclegan. */
  cacheDir?: string;
  onEvent?: EventSink;
  /** Default src/storage/retry.ts's DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy>;
  connection?: Omit<ConnectionSettings, 'endpoint'>;
}

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CYCLEGAN_CACHE_DIR) return resolve(env.CYCLEGAN_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'cyclegan');
}

/** A local manifest whose lines name objects needs the storage layer too. */
async function namesObjects(path: string | undefined): Promise<boolean> {
  if (!path || isObjectUrl(path)) return false;
  try {
    if (!(await stat(path)).isFile()) return false;
    return /"(s3|obs):\/\//i.test(await readFile(path, 'utf8'));
  } catch {
    return false;
  }
}

export async function withObjectStorage<P extends RunPaths, R>(paths: P, options: ObjectStorageOptions, run: (local: P, onEvent: EventSink) => Promise<R>): Promise<R> {
  const emit: EventSink = options.onEvent ?? (() => {});
  const addresses = [paths.source, paths.target, paths.out, paths.resume].filter((p): p is string => typeof p === 'string' && isObjectUrl(p));
  const manifests = (await namesObjects(paths.source)) || (await namesObjects(paths.target));
  if (addresses.length === 0 && !manifests) return run(paths, emit);
  if (options.endpoint !== undefined && options.endpoint.trim() === '') throw new ConfigError('Expected a URL like http://127.0.0.1:9000 for s3_endpoint but received an empty value');
  const { openStorageSession } = await import('./storage_session.js');
  const session = await openStorageSession({ ...options, cacheDir: options.cacheDir ?? defaultCacheDir(), addresses, emit });
  try {
    const local = await session.stage(paths);
    let done: RunEvent | null = null;
    const onEvent: EventSink = (event) => {
      session.notice(event);
      const mapped = session.mapEvent(event);
      // 'done' waits for the last upload, so it is the last word of a run whose results are in the bucket.
      if (mapped.type === 'done' && session.mirrored) done = mapped;
      else emit(mapped);
    };
    let result: R;
    try {
      result = await run(local, onEvent);
    } catch (error) {
      // What the run wrote before failing is still worth having in the bucket; the run's own error is the one to report.
      await session.finish().catch(() => {});
      throw error;
    }
    await session.finish();
    if (done) emit(done);
    return result;
  } catch (error) {
    // Storage errors already name addresses, and a local folder they name (files kept) must stay local.
    if (error instanceof CycleGanError && !(error instanceof StorageError)) error.message = session.mapText(error.message);
    throw error;
  } finally {
    session.close();
  }
}
