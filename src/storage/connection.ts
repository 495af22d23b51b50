/**
 * The S3 client for s3:// and obs:// addresses. Settings that make S3-compatible servers (MinIO, OBS,
 * Ceph, s3rver) work, not only AWS:
 *  - the endpoint from --s3_endpoint, else AWS_ENDPOINT_URL, else S3_ENDPOINT (else AWS itself);
 *  - path-style addressing (http://host/bucket/key), since such servers rarely have per-bucket DNS;
 *  - the SDK's default checksum headers (CRC32 on every upload and aws-chunked bodies, added in 2025)
 *    only WHEN_REQUIRED: several compatible servers reject or mis-store such uploads;
 *  - credentials from the SDK's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
 *    AWS_PROFILE and ~/.aws files, web identity, instance metadata);
 *  - no retries inside the SDK: src/storage/retry.ts retries every call, streamed uploads included.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.js';

export interface ConnectionSettings {
  /** The S3 API's base URL, e.g. http://127.0.0.1:9000; undefined means AWS. */
  endpoint?: string;
  /** Signing region; default AWS_REGION, AWS_DEFAULT_REGION, then us-east-1 (what most compatible servers expect). */
  region?: string;
  /** Explicit credentials instead of the standard chain (tests, embedding programs). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Milliseconds to wait for a connection and for a response before the attempt counts as failed; default 10000 and 120000. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** The endpoint: the flag, else AWS_ENDPOINT_URL, else S3_ENDPOINT; checked to be an http(s) URL. */
export function resolveEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const [value, name] = flag ? [flag, 's3_endpoint'] : env.AWS_ENDPOINT_URL ? [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'] : env.S3_ENDPOINT ? [env.S3_ENDPOINT, 'S3_ENDPOINT'] : [undefined, ''];
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`Expected an http:// or https:// URL like http://127.0.0.1:9000 for ${name} but received ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`Expected an http:// or https:// URL like http://127.0.0.1:9000 for ${name} but received ${value}`);
  }
  return value.replace(/\/+$/, '');
}

/** How messages name the server. */
export function endpointLabel(settings: ConnectionSettings): string {
  return settings.endpoint ?? 'AWS S3 (no --s3_endpoint, AWS_ENDPOINT_URL or S3_ENDPOINT set)';
}

export async function createS3Client(settings: ConnectionSettings): Promise<S3Client> {
  // The SDK announces its future Node 22 requirement on stderr when a client is made; this project runs on
  // Node 20 with a pinned SDK, and library code must not print. An operator's own setting wins.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Loaded on first use: runs on local folders never pay for the SDK's start-up.
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
    requestHandler: { connectionTimeout: settings.connectionTimeoutMs ?? 10_000, requestTimeout: settings.requestTimeoutMs ?? 120_000 },
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  });
}
