/**
 * `cyclegan ui OUT [OUT2 ...] [--port N] [--host H]` serves the dashboard for run folders until
 * Ctrl-C; `cyclegan train ... --ui [PORT]` serves it for the run being trained. The first line on
 * stdout is the address to open, token included.
 */
import { mkdirSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { startDashboard, type Dashboard, type DashboardOptions } from '../ui/server.js';
import { startDashboardThread } from '../ui/server_worker.js';
import { optionValue, type CommandLine } from './command_line.js';

/** The port when none is given: fixed, so that an SSH tunnel set up once keeps working. */
export const DEFAULT_UI_PORT = 8765;

function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new ConfigError(`Expected a port from 0 to 65535 for ${flag} but received '${text}' (0 picks a free port)`);
  return port;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

async function announce(options: DashboardOptions, start = startDashboard): Promise<Dashboard> {
  const dashboard = await start(options);
  process.stdout.write(`${dashboard.url}\n`);
  if (!isLoopback(dashboard.host)) {
    process.stderr.write(
      `warning: the dashboard listens on ${dashboard.host}, not only on this machine: anyone who can reach port ${dashboard.port} and learns the token can see the runs and download their models, over plain HTTP. ` +
        `To watch from another machine, prefer the default 127.0.0.1 and an SSH tunnel: ssh -L ${dashboard.port}:127.0.0.1:${dashboard.port} THIS_HOST\n`,
    );
  }
  return dashboard;
}

/** `stop`: the training commands' signal handlers, which this command replaces with its own. */
/** `stop`: the training commands' signal handlers, which this command replaces with its own. */
export async function runUi(args: CommandLine, stop?: { dispose(): void }): Promise<number> {
  const port = optionValue(args, 'port');
  const dashboard = await announce({ folders: args.positionals, port: port === undefined ? DEFAULT_UI_PORT : parsePort(port, '--port'), host: optionValue(args, 'host') });
  // Nothing to checkpoint here: Ctrl-C (or SIGTERM) just closes the server. The training commands'
  // handlers, installed for every command, would announce a checkpoint; they are replaced.
  stop?.dispose();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  return 0;
}

/** The port of train's `--ui [PORT]`: null when it is not given. */
export function uiPortOf(args: CommandLine): number | null {
  const value = args.options.get('ui');
  if (value === undefined) return null;
  return value === true ? DEFAULT_UI_PORT : parsePort(value, '--ui');
}

/** Runs `work` (the training) with the dashboard of `out` served on `port`, when one is asked for. */
export async function withDashboard<T>(port: number | null, out: string, work: () => Promise<T>): Promise<T> {
  if (port === null) return work();
  mkdirSync(out, { recursive: true });
  // on its own thread: training steps hold the main thread for seconds at a time
  const dashboard = await announce({ folders: [out], port }, startDashboardThread);
  try {
    return await work();
  } finally {
    await dashboard.close();
  }
}
