/**
 * What went wrong in an object storage call, and the one line that tells the user. The SDK reports
 * server answers as exceptions named after S3's error codes (with the HTTP status in $metadata) and
 * network failures as Node errors with an errno code; both are sorted here into the few cases a
 * user acts on differently.
 */
import { StorageError } from '../errors.js';

export type FaultKind = 'unreachable' | 'server' | 'credentials' | 'denied' | 'no-bucket' | 'no-object' | 'other';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'CredentialsProviderError', 'InvalidClientTokenId']);
const THROTTLE_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable']);

interface ErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  errors?: ErrorShape[];
  cause?: ErrorShape;
}

function networkCode(error: ErrorShape | undefined): string | undefined {
  if (!error) return undefined;
  if (error.code && NETWORK_CODES.has(error.code)) return error.code;
  if (error.name === 'TimeoutError' || /socket hang up|timed? ?out/i.test(error.message ?? '')) return error.code ?? 'timeout';
  // A host name with several addresses fails as an AggregateError of one error per address.
  for (const inner of error.errors ?? []) {
    const code = networkCode(inner);
    if (code) return code;
  }
  return networkCode(error.cause);
}

export function classify(error: unknown): FaultKind {
  const e = (error ?? {}) as ErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? '';
  if (name === 'NoSuchBucket') return 'no-bucket';
  if (name === 'NoSuchKey' || (name === 'NotFound' && status === 404)) return 'no-object';
  if (CREDENTIAL_CODES.has(name)) return 'credentials';
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return 'denied';
  if (THROTTLE_CODES.has(name) || (status !== undefined && (status >= 500 || status === 429))) return 'server';
  if (status === undefined && networkCode(e)) return 'unreachable';
  return 'other';
}

export function isTransient(error: unknown): boolean {
  const kind = classify(error);
  // A host name that does not resolve is a typo far more often than a passing fault (EAI_AGAIN is that one).
  if (kind === 'unreachable') return networkCode(error as ErrorShape) !== 'ENOTFOUND';
  return kind === 'server';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function detail(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  const code = networkCode(e) ?? e.name ?? 'Error';
  const message = e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${oneLine(e.message)}` : '';
  const status = e.$metadata?.httpStatusCode;
  return `${code}${status ? ` (HTTP ${status})` : ''}${message}`;
}

export interface FaultContext {
  /** The address the user gave (or the object within it). */
  url: string;
  bucket: string;
  endpoint: string;
  /** What was being done: 'list', 'download', 'upload', 'read'. */
  action: string;
  attempts: number;
  seconds: number;
}

/** A StorageError that also says which kind of fault it was, for callers that act on it (src/storage/run_mirror.ts). */
export class StorageFault extends StorageError {
  constructor(
    message: string,
    readonly kind: FaultKind,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** The single line for a failed call, naming the address, the server and what to do. */
export function storageError(error: unknown, c: FaultContext): StorageFault {
  return new StorageFault(faultMessage(error, c), classify(error));
}

function faultMessage(error: unknown, c: FaultContext): string {
  const tries = c.attempts > 1 ? ` after ${c.attempts} attempts over ${c.seconds < 10 ? c.seconds.toFixed(1) : Math.round(c.seconds)} s` : '';
  switch (classify(error)) {
    case 'unreachable':
      return `cannot ${c.action} ${c.url}: the S3 endpoint ${c.endpoint} cannot be reached (${detail(error)})${tries}. Check --s3_endpoint (or AWS_ENDPOINT_URL / S3_ENDPOINT) and that the server is running`;
    case 'credentials':
      return `cannot ${c.action} ${c.url}: the S3 endpoint ${c.endpoint} rejected the credentials (${detail(error)}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) to a key of that server`;
    case 'denied':
      return `cannot ${c.action} ${c.url}: access denied by ${c.endpoint} (${detail(error)}). The credentials work but may not ${c.action} in bucket '${c.bucket}'; ask for that permission or use another bucket`;
    case 'no-bucket':
      return `cannot ${c.action} ${c.url}: bucket '${c.bucket}' does not exist at ${c.endpoint}. Create it first, or check the bucket name and --s3_endpoint`;
    case 'no-object':
      return `cannot ${c.action} ${c.url}: no such object at ${c.endpoint}`;
    case 'server':
      return `cannot ${c.action} ${c.url}: the S3 endpoint ${c.endpoint} kept failing (${detail(error)})${tries}; try again later`;
    default:
      return `cannot ${c.action} ${c.url}: ${detail(error)} from ${c.endpoint}`;
  }
}
