/**
 * The live dashboard: a node:http server for one or more run folders. It binds to 127.0.0.1 unless
 * told otherwise, answers only requests that carry its random token, and serves nothing but its own
 * routes: the page, its script and style, the libraries from node_modules, the event stream, and the
 * run folders' sample images and exported models by file name (never a path).
 *
 *   GET /                          the page (sets the token cookie when ?token= is right)
 *   GET /app.js, /app.css          the page's script and style
 *   GET /vendor/...                uPlot and onnxruntime-web, from node_modules
 *   GET /api/events                Server-Sent Events: a snapshot, then appended rows and file changes
 *   GET /api/state                 the same snapshot as JSON
 *   GET /run/N/samples/NAME        a sample sheet of the Nth folder
 *   GET /run/N/model/NAME.onnx     an exported model of the Nth folder, for translating in the browser
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { accessCookie, checkAccess, newToken } from './auth.js';
import { bundleBrowserCode } from './bundle.js';
import { LiveRun } from './live_run.js';
import { PAGE_CSS } from './page_css.js';
import { livePageHtml } from './page_html.js';
import { resolveServedFile, type ServedFolder } from './run_files.js';
import type { WireMessage } from './shared/wire.js';
import { vendorFiles } from './vendor.js';

export interface DashboardOptions {
  /** Run folders, shown overlaid in this order. */
  folders: readonly string[];
  /** Default 127.0.0.1. Anything else is reachable from other machines: the CLI warns. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Default: 24 random bytes. */
  token?: string;
}

export interface Dashboard {
  /** http://HOST:PORT/?token=TOKEN */
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.onnx': 'application/octet-stream',
};

// Cross-origin isolation lets onnxruntime-web use threads; every resource is same-origin, so nothing is lost.
const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function checkFolders(folders: readonly string[]): string[] {
  if (folders.length === 0) throw new ConfigError('Missing the run folder to show: cyclegan ui OUT [OUT2 ...]');
  return folders.map((folder) => {
    let isDir = false;
    try {
      isDir = statSync(folder).isDirectory();
    } catch {
      throw new ConfigError(`Expected a run folder (the --out of cyclegan train) but ${folder} does not exist`);
    }
    if (!isDir) throw new ConfigError(`Expected a run folder (the --out of cyclegan train) but ${folder} is not a folder`);
    return resolve(folder);
  });
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Expected an integer from 0 to 65535 for port but received ${String(port)}`);
  return port;
}

/** Display names: the folder name, numbered where two folders share one. */
function runNames(roots: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return roots.map((root) => {
    const name = basename(root) || root;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name} (${n})`;
  });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Path segments, each percent-decoded; null when one cannot be decoded or decodes to a path of its own. */
function segments(pathname: string): string[] | null {
  const out: string[] = [];
  for (const raw of pathname.split('/').slice(1)) {
    let part: string;
    try {
      part = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (part === '.' || part === '..' || /[/\\\0]/.test(part)) return null;
    out.push(part);
  }
  return out;
}

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const roots = checkFolders(options.folders);
  const host = options.host ?? '127.0.0.1';
  const requestedPort = checkPort(options.port ?? 0);
  const token = options.token ?? newToken();
  const appJs = bundleBrowserCode();
  const vendor = vendorFiles();
  const clients = new Set<ServerResponse>();
  let port = 0;

  const names = runNames(roots);
  const runs: LiveRun[] = roots.map((root, i) => new LiveRun(root, i, (message) => broadcast(message), names[i]));
  const snapshot = (): WireMessage => ({ type: 'snapshot', runs: runs.map((r) => r.snapshot()), generatedAt: new Date().toISOString() });
  function broadcast(message: WireMessage | null): void {
    const text = `data: ${JSON.stringify(message ?? snapshot())}\n\n`;
    for (const client of clients) client.write(text);
  }

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };
  const notFound = (res: ServerResponse) => send(res, 404, 'text/plain; charset=utf-8', 'not found\n');

  const sendFile = (res: ServerResponse, path: string) => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      return notFound(res);
    }
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': size });
    if (res.req.method === 'HEAD') return res.end();
    createReadStream(path)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const openEvents = (res: ServerResponse) => {
    res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    // retry: how soon the browser reconnects after the stream breaks (it then gets a fresh snapshot)
    res.write(`retry: 1000\n\ndata: ${JSON.stringify(snapshot())}\n\n`);
    clients.add(res);
    res.on('close', () => clients.delete(res));
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const access = checkAccess(req, url, token, port);
    if (!access) return send(res, 401, 'text/plain; charset=utf-8', 'unauthorized: open the address cyclegan printed, the one that ends with ?token=...\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n', { Allow: 'GET, HEAD' });
    const parts = segments(url.pathname);
    if (!parts) return notFound(res);
    const path = parts.join('/');
    if (path === '') return send(res, 200, 'text/html; charset=utf-8', livePageHtml(), access === 'query' ? { 'Set-Cookie': accessCookie(token, port) } : {});
    if (path === 'favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (path === 'app.js') return send(res, 200, CONTENT_TYPES['.js'], appJs);
    if (path === 'app.css') return send(res, 200, CONTENT_TYPES['.css'], PAGE_CSS);
    if (path === 'api/state') return send(res, 200, 'application/json', JSON.stringify(snapshot()));
    if (path === 'api/events') return openEvents(res);
    if (parts[0] === 'vendor') {
      const file = vendor.get(parts.slice(1).join('/'));
      return file ? sendFile(res, file) : notFound(res);
    }
    if (parts[0] === 'run' && parts.length === 4 && /^\d+$/.test(parts[1]) && (parts[2] === 'samples' || parts[2] === 'model')) {
      const run = runs[Number(parts[1])];
      const file = run && resolveServedFile(run.root, parts[2] as ServedFolder, parts[3]);
      return file ? sendFile(res, file) : notFound(res);
    }
    return notFound(res);
  };

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    }
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new ConfigError(`port ${requestedPort} on ${host} is in use: choose another with --port, or --port 0 for a free one`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(new ConfigError(`cannot listen on host ${host}: it is not an address of this machine (${error.code})`));
      else reject(error);
    });
    server.listen(requestedPort, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  for (const run of runs) run.start();
  const heartbeat = setInterval(() => {
    for (const client of clients) client.write(': keep-alive\n\n');
  }, 15000);
  heartbeat.unref();

  return {
    url: `http://${urlHost(host)}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: async () => {
      clearInterval(heartbeat);
      for (const run of runs) run.stop();
      for (const client of clients) client.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
