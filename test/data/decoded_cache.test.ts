import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DatasetError } from '../../src/errors.js';
import { decodeResized, loadTrainingImage, type ResizedDecoder } from '../../src/data/decode.js';
import { DecodedImageCache } from '../../src/data/decoded_cache.js';
import { Rng } from '../../src/engine/rng.js';
import { fixture } from './paths.js';

const FILES = ['a_photo.jpg', 'b_alpha.png', 'c_gray.png', 'd_anim.gif', 'e_rgb24.bmp', 'f_image.webp', 'g_image.tiff', 'h_rotated.jpg'].map((n) => fixture('flat', n));

/** decodeResized, counting the files it decodes. */
function countingDecoder(): { decode: ResizedDecoder; calls: string[] } {
  const calls: string[] = [];
  return { calls, decode: (path, channels, height, width) => (calls.push(path), decodeResized(path, channels, height, width)) };
}

test('training images through the cache are bit-identical to decoding every time, on the first load and on later ones', async () => {
  for (const channels of [1, 3] as const) {
    const options = { channels, height: 16, width: 20, loadScale: 1.5, flip: true };
    const cache = new DecodedImageCache(64 << 20);
    for (const pass of [0, 1, 2]) {
      for (const [i, path] of FILES.entries()) {
        const seed = pass * 100 + i;
        const uncachedRng = new Rng(seed);
        const cachedRng = new Rng(seed);
        const expected = await loadTrainingImage(path, options, uncachedRng);
        assert.deepEqual(await loadTrainingImage(path, options, cachedRng, cache.decode), expected, `${path}, ${channels} channels, pass ${pass}`);
        assert.deepEqual(cachedRng.state(), uncachedRng.state(), 'the same random draws');
      }
    }
    assert.equal(cache.size, FILES.length);
  }
});

test('a kept image is decoded once; the key includes channels and size', async () => {
  const counting = countingDecoder();
  const cache = new DecodedImageCache(64 << 20, counting.decode);
  const path = FILES[0]!;
  for (let i = 0; i < 3; i++) await cache.decode(path, 3, 24, 30);
  assert.deepEqual(counting.calls, [path]);
  assert.equal((await cache.decode(path, 1, 24, 30)).length, 24 * 30, 'grayscale is another image');
  assert.equal((await cache.decode(path, 3, 12, 30)).length, 12 * 30 * 3, 'another size is another image');
  assert.equal(counting.calls.length, 3);
  assert.equal(cache.size, 3);
  assert.equal(cache.bytes, 24 * 30 * 3 + 24 * 30 + 12 * 30 * 3);
});

test('memory stays within the budget: images past it are decoded on every use and still correct', async () => {
  const imageBytes = 24 * 30 * 3;
  const counting = countingDecoder();
  const cache = new DecodedImageCache(2 * imageBytes + imageBytes - 1, counting.decode);
  for (const pass of [0, 1]) {
    for (const path of FILES) {
      assert.deepEqual(await cache.decode(path, 3, 24, 30), await decodeResized(path, 3, 24, 30), `${path}, pass ${pass}`);
      assert.ok(cache.bytes <= cache.budgetBytes, `${cache.bytes} bytes kept, budget ${cache.budgetBytes}`);
    }
  }
  assert.equal(cache.size, 2, 'the first two images fill the budget; no eviction');
  assert.equal(cache.bytes, 2 * imageBytes);
  // Pass 0 decodes all; pass 1 only those not kept.
  assert.equal(counting.calls.length, FILES.length + FILES.length - 2);
  assert.deepEqual(counting.calls.slice(FILES.length), FILES.slice(2));

  const none = new DecodedImageCache(0, counting.decode);
  await none.decode(FILES[0]!, 3, 24, 30);
  assert.equal(none.size, 0);
  assert.equal(none.bytes, 0);
});

test('a decoded view into a larger buffer is kept as a copy of its own bytes, so the budget counts what is held', async () => {
  const big = new Uint8Array(1000).map((_, i) => i % 251);
  const cache = new DecodedImageCache(100, () => Promise.resolve(big.subarray(10, 70)));
  const got = await cache.decode('x', 3, 4, 5);
  assert.deepEqual(got, big.subarray(10, 70));
  assert.equal(got.buffer.byteLength, 60);
  assert.equal(cache.bytes, 60);
  assert.equal(await cache.decode('x', 3, 4, 5), got);
});

test('failed decodes are not kept: they fail on every use', async () => {
  const cache = new DecodedImageCache(64 << 20);
  for (let i = 0; i < 2; i++) await assert.rejects(cache.decode(fixture('flat', 'broken_truncated.jpg'), 3, 16, 16), DatasetError);
  assert.equal(cache.size, 0);
  assert.throws(() => new DecodedImageCache(-1), (e: unknown) => e instanceof ConfigError && e.message === 'Expected a non-negative integer for budgetBytes but received -1');
});
