// Following a log another process appends to: each complete line is handed over once, a partial last
// line (even one cut inside a multi-byte character) waits for its newline, and a replaced or shortened
// file starts over.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogTail } from '../../src/ui/log_tail.js';
import { tempDir } from '../helpers/reference.js';

function follow(path: string) {
  const seen: string[] = [];
  let resets = 0;
  const tail = new LogTail(path, { lines: (lines) => seen.push(...lines), reset: () => resets++ });
  return { tail, seen, resets: () => resets };
}

describe('LogTail', () => {
  test('a missing file is no error; lines are read once each as they are completed', () => {
    const dir = join(tempDir(), 'logs');
    const path = join(dir, 'train.jsonl');
    const { tail, seen } = follow(path);
    tail.poll();
    assert.deepEqual(seen, []);
    mkdirSync(dir);
    writeFileSync(path, 'one\ntwo\nthr');
    tail.poll();
    assert.deepEqual(seen, ['one', 'two']);
    tail.poll();
    assert.deepEqual(seen, ['one', 'two'], 'nothing new, nothing handed over');
    appendFileSync(path, 'ee\n');
    tail.poll();
    assert.deepEqual(seen, ['one', 'two', 'three']);
  });

  test('a multi-byte character split between two writes arrives whole', () => {
    const path = join(tempDir(), 'train.jsonl');
    const { tail, seen } = follow(path);
    const bytes = Buffer.from('{"note":"Ünïcödé ✓"}\n');
    writeFileSync(path, bytes.subarray(0, 10));
    tail.poll();
    appendFileSync(path, bytes.subarray(10));
    tail.poll();
    assert.deepEqual(seen, ['{"note":"Ünïcödé ✓"}']);
  });

  test('a shortened or replaced file is read again from its start, after a reset', () => {
    const dir = tempDir();
    const path = join(dir, 'train.jsonl');
    const { tail, seen, resets } = follow(path);
    writeFileSync(path, 'a\nb\n');
    tail.poll();
    writeFileSync(path, 'c\n');
    tail.poll();
    assert.equal(resets(), 1);
    assert.deepEqual(seen, ['a', 'b', 'c']);
    writeFileSync(join(dir, 'new.jsonl'), 'd\ne\nf\n');
    renameSync(join(dir, 'new.jsonl'), path);
    tail.poll();
    assert.equal(resets(), 2);
    assert.deepEqual(seen, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('start() follows appends by itself', async () => {
    const path = join(tempDir(), 'train.jsonl');
    writeFileSync(path, 'first\n');
    const { tail, seen } = follow(path);
    tail.start(100);
    try {
      assert.deepEqual(seen, ['first']);
      appendFileSync(path, 'second\n');
      for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen, ['first', 'second']);
    } finally {
      tail.stop();
    }
  });
});
