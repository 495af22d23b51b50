/**
 * Retrying object storage calls with exponential backoff. A transient failure (a dropped or refused
 * connection, a timeout, a 5xx or throttling answer) is tried again after 0.5, 1, 2, 4 ... s (capped,
 * each delay jittered down by up to half so parallel transfers do not retry in lockstep); anything
 * else (wrong credentials, a missing bucket) fails at once, since trying again cannot help.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; default 8 (about 30 s of waiting in all). */
  readonly attempts: number;
  /** The first delay, doubled after each failure; default 500 ms. */
  readonly baseDelayMs: number;
  /** The longest delay; default 8000 ms. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 8, baseDelayMs: 500, maxDelayMs: 8000 });

export interface RetryFailure {
  readonly error: unknown;
  readonly attempts: number;
  readonly seconds: number;
}

/** Runs `attempt` until it succeeds, fails permanently, or has used up the policy; throws `fail(...)` then. */
export async function withRetry<T>(
  policy: RetryPolicy,
  isTransient: (error: unknown) => boolean,
  attempt: (n: number) => Promise<T>,
  fail: (failure: RetryFailure) => Error,
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= policy.attempts || !isTransient(error)) throw fail({ error, attempts: n, seconds: (Date.now() - started) / 1000 });
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
  }
}
