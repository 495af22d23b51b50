/**
 * One case in a process of its own, for measurements that must not share a process: peak memory
 * (VmHWM only ever grows, so a process that ran a bigger case first would report that one's peak).
 * Ours is a compiled bench/NAME.js run by this Node, PyTorch's is bench/reference/NAME.py; both
 * take `{"case", "warmup", "count"}` as their one argument, print one JSON line (`{"ok": ...}` or
 * `{"error": ...}`) and exit. `runOnce` waits for the exit, so the child's CPU time is counted as
 * ours by load.ts. The Python twin is `run_once` in reference/harness.py.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface OnceRequest {
  case: object;
  warmup: number;
  count: number;
}

/**
 * Runs `command args... JSON(request)` and returns its `ok`; throws with its stderr when it fails.
 * `env` is added to this process's environment.
 */
export function runOnce<R>(command: string, args: readonly string[], request: OnceRequest, env: Readonly<Record<string, string>> = {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const child = spawn(command, [...args, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr = (stderr + d).slice(-8000)));
    child.on('error', reject);
    // 'close' comes after the exit and after both pipes are drained: the child has been reaped.
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let reply: { ok?: R; error?: string } = {};
      try {
        reply = JSON.parse(last) as typeof reply;
      } catch {
        // handled below: no JSON means the process died before answering
      }
      const what = `${args.at(-1) ?? command} (${signal ?? `exit code ${code}`})`;
      if (reply.ok !== undefined && code === 0) resolve(reply.ok);
      else reject(new Error(`${what} failed:\n${reply.error ?? `${stderr}${last ? `\nlast output: ${last.slice(0, 500)}` : ''}`}`));
    });
  });
}

/** The worker's half: reads the request from argv, prints `measure`'s result as one JSON line. */
export async function serveOnce<C>(measure: (testCase: C, warmup: number, count: number) => object | Promise<object>): Promise<void> {
  let reply: object;
  try {
    const request = JSON.parse(process.argv[2] ?? '') as OnceRequest;
    reply = { ok: await measure(request.case as C, request.warmup, request.count) };
  } catch (error) {
    reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
  process.exitCode = 'ok' in reply ? 0 : 1;
}

/** VmRSS (now) or VmHWM (the peak) of this process in bytes, from /proc/self/status; null without it. */
export function memoryBytes(field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s*(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}
