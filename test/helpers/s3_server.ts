/**
 * A real S3 server for the storage tests: s3rver (an S3 API over a local folder) on 127.0.0.1, port 0,
 * started and stopped by the tests. Two additions:
 *  - Signature V4 is checked here. s3rver checks only that the access key exists (its SigV4 check is
 *    unimplemented), so a wrong secret would pass unnoticed; this middleware recomputes each request's
 *    signature from the published algorithm (AWS's "Signature Version 4 signing process") with the
 *    server's secret and answers SignatureDoesNotMatch, as S3 does, when it differs.
 *  - `stop()` and `start()` take the server down (dropping open connections) and bring it back on
 *    the same port and folder, and `interceptOnce` drops one request part-way through its body and
 *    stops the server there: the "server gone in the middle of an upload" fault.
 * Every request is logged (method and path), so tests can count downloads.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import S3rver from 's3rver';
import { tempDir } from './reference.js';

/** s3rver's built-in account. */
export const S3_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Null when the request's SigV4 signature (header form) is right for `secret`, else why not. */
export function signatureProblem(req: IncomingMessage, secret: string): string | null {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `not a SigV4 header: ${auth}`;
  const [, , date, region, service, signedHeaders, signature] = m;
  const [path, query = ''] = (req.url ?? '/').split('?');
  const canonicalQuery = query
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const [k, v] = eq < 0 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v.replace(/\+/g, '%20')))];
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payload = String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD');
  const canonicalRequest = [req.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  return hmac(key, stringToSign).toString('hex') === signature ? null : 'signature differs';
}

export interface S3TestServer {
  readonly endpoint: string;
  readonly port: number;
  readonly directory: string;
  /** Every request since start: "METHOD /bucket/key". */
  readonly requests: string[];
  /** Requests that failed the signature check. */
  readonly rejected: string[];
  stop(): Promise<void>;
  start(): Promise<void>;
  /**
   * The first request whose "METHOD /path" matches `pattern` is cut off after the first chunk of its
   * body arrives, and the server stops; it starts again `downFor` ms later (never, when null).
   */
  interceptOnce(pattern: RegExp, downFor: number | null): Promise<string>;
}

export async function startS3Server(buckets: string[] = []): Promise<S3TestServer> {
  const directory = tempDir('cyclegan-s3rver-');
  let port = 0;
  let instance: S3rver | null = null;
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const rejected: string[] = [];
  let intercept: { pattern: RegExp; downFor: number | null; hit: (line: string) => void } | null = null;

  const server: S3TestServer = {
    get endpoint() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    directory,
    requests,
    rejected,
    async start() {
      const s3 = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
      s3.middleware.unshift(async (ctx, next) => {
        const problem = signatureProblem(ctx.req, S3_KEY.secretAccessKey);
        if (problem) {
          rejected.push(`${ctx.req.method} ${ctx.req.url}: ${problem}`);
          ctx.status = 403;
          ctx.type = 'application/xml';
          ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message></Error>';
          return;
        }
        await next();
      });
      const address = await s3.run();
      port = address.port;
      instance = s3;
      const http = s3.httpServer as Server;
      http.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const koa = http.listeners('request') as ((...args: unknown[]) => void)[];
      http.removeAllListeners('request');
      http.on('request', (req: IncomingMessage, res: unknown) => {
        const line = `${req.method} ${(req.url ?? '').split('?')[0]}`;
        requests.push(line);
        if (intercept && intercept.pattern.test(line)) {
          const { downFor, hit } = intercept;
          intercept = null;
          req.once('data', () => {
            req.socket.destroy();
            void server.stop().then(() => {
              hit(line);
              if (downFor !== null) setTimeout(() => void server.start(), downFor);
            });
          });
          return;
        }
        for (const listener of koa) listener(req, res);
      });
    },
    async stop() {
      const s3 = instance;
      instance = null;
      if (!s3) return;
      for (const socket of sockets) socket.destroy();
      await s3.close();
    },
    interceptOnce(pattern, downFor) {
      return new Promise((resolve) => {
        intercept = { pattern, downFor, hit: resolve };
      });
    },
  };
  await server.start();
  return server;
}
