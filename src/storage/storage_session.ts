/**
 * One run's use of object storage: the client, the download cache, the input stager and, for an
 * --out address, the mirror of the output folder. Kept apart from with_object_storage.ts so the S3
 * client is loaded only by runs that use a bucket.
 */
import { ConfigError } from '../errors.js';
import type { EventSink, RunEvent } from '../io/events.js';
import { AddressMap } from './address_map.js';
import { createS3Client, endpointLabel, resolveEndpoint, type ConnectionSettings } from './connection.js';
import { InputStager, looksLikeManifest } from './input_staging.js';
import { setActiveObjectCache } from './local_copies.js';
import { ObjectCache } from './object_cache.js';
import { ObjectStore } from './object_store.js';
import { formatObjectUrl, isObjectUrl, parseObjectUrl } from './object_url.js';
import { DEFAULT_RETRY, type RetryPolicy } from './retry.js';
import { RunMirror } from './run_mirror.js';
import type { RunPaths } from './run_paths.js';

export interface SessionOptions {
  mode: 'train' | 'predict';
  restart?: boolean;
  endpoint?: string;
  cacheDir: string;
  retry?: Partial<RetryPolicy>;
  connection?: Omit<ConnectionSettings, 'endpoint'>;
  /** The addresses the run names, to check before connecting. */
  addresses: readonly string[];
  emit: EventSink;
}

export interface StorageSession {
  /** True when --out is an address (its 'done' waits for the uploads). */
  readonly mirrored: boolean;
  stage<P extends RunPaths>(paths: P): Promise<P>;
  notice(event: RunEvent): void;
  mapEvent(event: RunEvent): RunEvent;
  mapText(text: string): string;
  finish(): Promise<void>;
  close(): void;
}

export async function openStorageSession(o: SessionOptions): Promise<StorageSession> {
  for (const address of o.addresses) parseObjectUrl(address);
  const endpoint = resolveEndpoint(o.endpoint);
  const obs = o.addresses.find((a) => /^obs:/i.test(a));
  if (obs && endpoint === undefined) {
    throw new ConfigError(`${obs} needs the OBS endpoint: pass --s3_endpoint https://obs.<region>.myhuaweicloud.com (or set AWS_ENDPOINT_URL or S3_ENDPOINT)`);
  }
  const connection = { ...o.connection, endpoint };
  const client = await createS3Client(connection);
  const store = new ObjectStore(client, endpointLabel(connection), { ...DEFAULT_RETRY, ...o.retry });
  const cache = new ObjectCache(o.cacheDir, store, o.emit);
  const stager = new InputStager(store, cache, o.emit);
  let mirror: RunMirror | null = null;
  let map = new AddressMap(o.cacheDir, null);
  setActiveObjectCache(o.cacheDir);

  const stageInput = async (path: string | undefined, what: string): Promise<string | undefined> => {
    if (path === undefined) return undefined;
    if (isObjectUrl(path)) return stager.stage(path, what);
    if (await looksLikeManifest(path)) await stager.stageManifestSources(path, null);
    return path;
  };

  return {
    get mirrored() {
      return mirror !== null;
    },
    async stage<P extends RunPaths>(paths: P): Promise<P> {
      // The output first: a wrong bucket or key is reported before any download.
      if (isObjectUrl(paths.out)) {
        const url = parseObjectUrl(paths.out, '--out');
        mirror = await RunMirror.open(url, o.cacheDir, store, o.emit, (rel, bytes) => map.uploadBody(rel, bytes), o.mode === 'train' && !o.restart);
        map = new AddressMap(o.cacheDir, { localRoot: mirror.localRoot, address: formatObjectUrl(url) });
      }
      const source = (await stageInput(paths.source, '--source')) as string;
      const target = await stageInput(paths.target, '--target');
      const resume = paths.resume && isObjectUrl(paths.resume) ? await stager.stageObject(paths.resume, '--resume') : paths.resume;
      return { ...paths, source, out: mirror?.localRoot ?? paths.out, ...(paths.target !== undefined ? { target } : {}), ...(paths.resume !== undefined ? { resume } : {}) };
    },
    notice(event) {
      mirror?.notice(event);
    },
    mapEvent(event) {
      switch (event.type) {
        case 'info':
        case 'warning':
          return { ...event, message: map.text(event.message) };
        case 'validation':
          return { ...event, rejected: event.rejected.map((r) => ({ path: map.text(r.path), reason: map.text(r.reason) })) };
        case 'saved':
          return { ...event, files: event.files.map((f) => map.text(f)) };
        case 'interrupted':
          return { ...event, checkpoint: map.text(event.checkpoint) };
        case 'done':
          return { ...event, outDir: map.text(event.outDir) };
        default:
          return event;
      }
    },
    mapText: (text) => map.text(text),
    async finish() {
      await mirror?.finish();
    },
    close() {
      setActiveObjectCache(null);
      client.destroy();
    },
  };
}
