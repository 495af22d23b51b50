// Bad use of the engine gives an EngineError with a clear message, and the process keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';
import { EngineError } from '../../src/errors.js';

function stillWorks(): void {
  E.tidy(() => assert.equal(E.ones([2, 2]).sum().item(), 4));
}

test('a shape mismatch names the op and the shapes', () => {
  E.tidy(() => {
    assert.throws(
      () => E.conv2d(E.zeros([1, 3, 8, 8]), E.zeros([4, 2, 3, 3])),
      (e: unknown) =>
        e instanceof EngineError &&
        e.code === 'ENGINE' &&
        e.message.startsWith('conv2d failed for inputs [1, 3, 8, 8] float32; [4, 2, 3, 3] float32:') &&
        /channels/.test(e.message),
    );
    assert.throws(
      () => E.zeros([2, 3]).add(E.zeros([4, 5])),
      (e: unknown) => e instanceof EngineError && /^add failed for inputs \[2, 3\] float32; \[4, 5\] float32: The size of tensor a \(3\) must match the size of tensor b \(5\)/.test(e.message),
    );
  });
  stillWorks();
});

test('a disposed tensor used again is an EngineError', () => {
  const t = E.ones([3]);
  t.dispose();
  assert.equal(t.isDisposed, true);
  assert.throws(() => t.add(1), (e: unknown) => e instanceof EngineError && /already disposed/.test(e.message));
  assert.throws(() => t.shape, (e: unknown) => e instanceof EngineError && /used after dispose/.test(e.message));
  t.dispose(); // twice is harmless
  stillWorks();
});

test('cuda without CUDA is an EngineError that says how to fix it', () => {
  if (E.cudaDeviceCount() > 0) return; // on a GPU machine this is not an error
  assert.throws(() => E.zeros([2], { device: 'cuda' }), (e: unknown) => e instanceof EngineError && /device 'cuda' requested/.test(e.message) && /use device 'cpu'/.test(e.message));
  assert.throws(() => E.checkDevice('cuda'), (e: unknown) => e instanceof EngineError && /use device 'cpu'/.test(e.message));
  assert.throws(() => E.checkDevice('tpu'), /Expected cpu, cuda or cuda:N for device but received 'tpu'/);
  stillWorks();
});

test('bad dtype and bad shapes are rejected before native code', () => {
  assert.throws(() => E.zeros([2, -1]), /Expected a shape of non-negative integers but received \[2, -1\]/);
  assert.throws(() => E.zeros([2], { dtype: 'float8' as never }), /unknown dtype 'float8'/);
  assert.throws(() => E.tensor([1, 2, 3], [2, 2]), /shape \[2, 2\] holds 4 elements but the data has 3/);
  stillWorks();
});
