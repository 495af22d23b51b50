import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatasetError } from '../../src/errors.js';
import { decodeBmp, UnsupportedBmpError } from '../../src/data/bmp.js';

/** A 1-bit bottom-up BMP, 10x2, palette [black, orange]; row y has pixel x set when (x + y) is even. */
function oneBit(): Buffer {
  const stride = 4; // 10 bits rounded up to 32
  const offset = 14 + 40 + 2 * 4;
  const buf = Buffer.alloc(offset + stride * 2);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(10, 18);
  buf.writeInt32LE(2, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(1, 28);
  buf.writeUInt32LE(2, 46);
  buf.set([0, 0, 0, 0, 0, 128, 255, 0], 54); // BGRA entries: black, orange (255, 128, 0)
  for (let y = 0; y < 2; y++) {
    const row = offset + (1 - y) * stride;
    for (let x = 0; x < 10; x++) if ((x + y) % 2 === 0) buf[row + (x >> 3)] = (buf[row + (x >> 3)] as number) | (0x80 >> (x & 7));
  }
  return buf;
}

test('1-bit paletted BMP: bits read most significant first, rows bottom-up', () => {
  const image = decodeBmp(oneBit());
  assert.deepEqual([image.width, image.height, image.channels], [10, 2, 3]);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 10; x++) {
      const expected = (x + y) % 2 === 0 ? [255, 128, 0] : [0, 0, 0];
      assert.deepEqual([...image.data.subarray((y * 10 + x) * 3, (y * 10 + x) * 3 + 3)], expected, `pixel ${x},${y}`);
    }
  }
});

test('damaged headers are reported with the fix', () => {
  assert.throws(() => decodeBmp(Buffer.from('BM1234')), new DatasetError('BMP file is truncated: its header needs at least 26 bytes but the file has 6; re-save it as PNG or JPEG'));
  const header = oneBit();
  header.writeUInt16LE(16, 28);
  assert.throws(
    () => decodeBmp(header),
    new UnsupportedBmpError('BMP with 16 bits per pixel and compression type 0 is not supported (supported: uncompressed 1/4/8-bit paletted, 24-bit and 32-bit); re-save it as PNG or JPEG'),
  );
});
