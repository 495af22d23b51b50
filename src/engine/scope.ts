/**
 * Deterministic memory management. `tidy(fn)` frees every tensor created while `fn` runs,
 * except those it returns (and those passed to `keep`); `dispose` frees at once.
 * Finalizers on the native handles are only a safety net.
 */

export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

/** Records a new tensor in the innermost open scope, if any. */
export function track<X extends Disposable>(t: X): X {
  scopes[scopes.length - 1]?.add(t);
  return t;
}

/** Keeps a tensor alive past the end of the innermost scope. */
export function keep<X extends Disposable>(t: X): X {
  scopes[scopes.length - 1]?.delete(t);
  return t;
}

function collect(value: unknown, into: Set<Disposable>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    into.add(value as Disposable);
    return;
  }
  const items = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const item of items) collect(item, into, seen);
}

/**
 * Runs `fn` in a scope. Tensors it returns (directly or inside arrays, maps and plain objects)
 * move to the enclosing scope; all others created inside are disposed.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  for (const t of scope) {
    if (returned.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/**
 * tidy for a function that awaits (a step that waits for a collective between its phases). The scope
 * stays open across the awaits, so a tensor that other code creates outside any tidy while this one
 * waits also lands in it: keep concurrent tensor work out of the awaits (the trainer runs nothing else).
 */
export async function tidyAsync<R>(fn: () => Promise<R>): Promise<R> {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: R;
  try {
    result = await fn();
  } finally {
    // Sync tidies run meanwhile have closed theirs, so this scope is on top again; search anyway.
    scopes.splice(scopes.lastIndexOf(scope), 1);
  }
  const returned = new Set<Disposable>();
  collect(result, returned);
  for (const t of scope) {
    if (returned.has(t)) scopes[scopes.length - 1]?.add(t);
    else t.dispose();
  }
  return result;
}

/** Disposes tensors found in `value` (a tensor, or arrays, maps and objects holding them). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}
