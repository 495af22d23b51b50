/**
 * The PyTorch side of a comparison: a long-lived Python process (bench/reference/NAME.py) that
 * answers one JSON request per line. It stays up for the whole benchmark so that blocks of
 * ours and PyTorch can alternate without paying torch's import time each time.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { TimingPolicy } from './options.js';
import type { Samples } from './timing.js';

/** Interpreters tried in order: plain python3 may be a pyenv Python without torch. */
const CANDIDATES = ['python3', '/usr/bin/python3'];

let python: string | undefined;

/** The first interpreter that can import torch. */
export function pythonWithTorch(): string {
  if (python) return python;
  for (const candidate of CANDIDATES) {
    const r = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return (python = candidate);
  }
  throw new Error(
    `no Python that imports torch (tried ${CANDIDATES.join(', ')}). ` +
      'Install the reference with `apt-get install python3-torch` (`npm run bench` does this in its prebench step).',
  );
}

export interface ReferenceInfo {
  torch: string;
  python: string;
  executable: string;
}

export class ReferenceWorker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';
  #exited = false;

  constructor(readonly script: string) {
    this.#child = spawn(pythonWithTorch(), [script], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    this.#child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.#stderr = (this.#stderr + d).slice(-8000);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#answer(line));
    this.#child.on('exit', (code, signal) => {
      this.#exited = true;
      const error = new Error(`reference ${script} exited (${signal ?? `code ${code}`}):\n${this.#stderr}`);
      for (const p of this.#pending.splice(0)) p.reject(error);
    });
  }

  /** Opens bench/reference/NAME.py. */
  static open(referenceDir: string, name: string): ReferenceWorker {
    return new ReferenceWorker(join(referenceDir, name));
  }

  #answer(line: string): void {
    const p = this.#pending.shift();
    if (!p) return;
    let reply: { ok?: unknown; error?: string };
    try {
      reply = JSON.parse(line) as typeof reply;
    } catch {
      p.reject(new Error(`reference ${this.script} wrote a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (reply.error !== undefined) p.reject(new Error(`reference ${this.script} failed:\n${reply.error}`));
    else p.resolve(reply.ok);
  }

  request<R>(message: object): Promise<R> {
    if (this.#exited) return Promise.reject(new Error(`reference ${this.script} is not running:\n${this.#stderr}`));
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** The worker's process id (for the load meter). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  info(): Promise<ReferenceInfo> {
    return this.request<ReferenceInfo>({ op: 'info' });
  }

  /** One block of the script's case: `warmup` untimed calls, then `count` timed ones. */
  measure(testCase: object, policy: Pick<TimingPolicy, 'warmup'>, count: number): Promise<Samples> {
    return this.request<Samples>({ op: 'measure', case: testCase, warmup: policy.warmup, count });
  }

  /** Another op the script serves (`serve(measure, ops=...)` in harness.py), e.g. loading weights. */
  call<R>(op: string, args: object): Promise<R> {
    return this.request<R>({ op, args });
  }

  close(): void {
    if (!this.#exited) this.#child.stdin.end();
  }
}
