import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { scanInput } from '../../src/data/scan.js';
import { validateFiles, writeValidationReport } from '../../src/data/validate.js';
import { hugeBmp, hugePng } from './huge.js';
import { fixture, tempDir } from './paths.js';

test('every broken kind in the flat fixture is rejected with its reason; the rest are usable', async () => {
  const listing = await scanInput(fixture('flat'));
  let progress = 0;
  const result = await validateFiles(listing.files, { onProgress: (done, total) => { progress = done; assert.equal(total, 13); } });
  assert.equal(progress, 13);
  assert.deepEqual(
    result.usable.map((f) => f.path),
    ['I_UPPER.JPG', 'a_photo.jpg', 'b_alpha.png', 'c_gray.png', 'd_anim.gif', 'e_rgb24.bmp', 'f_image.webp', 'g_image.tiff', 'h_rotated.jpg'].map((n) => fixture('flat', n)),
  );
  assert.deepEqual(result.rejected, [
    { path: fixture('flat', 'broken_empty.jpg'), code: 'empty', reason: 'zero-byte file' },
    { path: fixture('flat', 'broken_text.png'), code: 'not_image', reason: 'not an image (unrecognised file format)' },
    { path: fixture('flat', 'broken_tiny.png'), code: 'too_small', reason: 'image is 4x4 pixels, smaller than the minimum of 8 on a side' },
    { path: fixture('flat', 'broken_truncated.jpg'), code: 'corrupt', reason: 'truncated or corrupt image data: VipsJpeg: premature end of JPEG image' },
  ]);
});

test('the broken file among the classes is rejected and the usable files keep their class fields', async () => {
  const listing = await scanInput(fixture('classes'));
  const result = await validateFiles(listing.files, { concurrency: 2 });
  assert.equal(result.usable.length, 8);
  assert.equal(result.usable[7]?.className, 'dog');
  assert.equal(result.rejected.length, 1);
  assert.equal(result.rejected[0]?.path, fixture('classes', 'dog', 'dog_broken.jpg'));
  assert.equal(result.rejected[0]?.code, 'corrupt');
});

test('huge images are refused from the header, before decoding; missing, unsupported and truncated BMPs too', async () => {
  const dir = tempDir();
  const write = (name: string, data: Buffer): { path: string } => {
    writeFileSync(join(dir, name), data);
    return { path: join(dir, name) };
  };
  const files = [
    write('bomb.png', hugePng(20000, 20000)),
    write('bomb.bmp', hugeBmp(11000, 10000)),
    write('short.bmp', readFileSync(fixture('bmp', 'rgb24.bmp')).subarray(0, 80)),
    { path: fixture('bmp', 'rle8.bmp') },
    { path: join(dir, 'gone.png') },
  ];
  const started = Date.now();
  // minSide 1: the BMP fixtures are 9x7, under the default minimum.
  const result = await validateFiles(files, { minSide: 1 });
  assert.ok(Date.now() - started < 2000, 'the bombs were not decoded');
  assert.deepEqual(result.usable, []);
  assert.deepEqual(result.rejected, [
    {
      path: files[0]?.path,
      code: 'too_large',
      reason: 'image is 20000x20000 = 400000000 pixels, over the limit of 100000000; it was not decoded (possible decompression bomb). Downscale it if it is real',
    },
    {
      path: files[1]?.path,
      code: 'too_large',
      reason: 'image is 11000x10000 = 110000000 pixels, over the limit of 100000000; it was not decoded (possible decompression bomb). Downscale it if it is real',
    },
    {
      path: files[2]?.path,
      code: 'corrupt',
      reason: 'truncated or corrupt image data: BMP file is truncated: its 9x7 pixels need 250 bytes but the file has 80; re-save it as PNG or JPEG',
    },
    {
      path: fixture('bmp', 'rle8.bmp'),
      code: 'unsupported',
      reason: 'BMP with 8 bits per pixel and compression type 1 is not supported (supported: uncompressed 1/4/8-bit paletted, 24-bit and 32-bit); re-save it as PNG or JPEG',
    },
    { path: files[4]?.path, code: 'unreadable', reason: 'file not found' },
  ]);
});

test('limits are options', async () => {
  const files = [{ path: fixture('flat', 'a_photo.jpg') }, { path: fixture('flat', 'broken_tiny.png') }];
  const result = await validateFiles(files, { minSide: 2, maxPixels: 1000 });
  assert.deepEqual(result.usable, [files[1]]);
  assert.equal(result.rejected[0]?.code, 'too_large');
});

test('the validation report is written atomically with counts and reasons per domain', async () => {
  const dir = tempDir();
  const flat = await validateFiles((await scanInput(fixture('flat'))).files);
  const target = await validateFiles((await scanInput(fixture('target'))).files);
  const path = writeValidationReport(dir, { A: { input: fixture('flat'), result: flat }, B: { result: target } });
  assert.equal(path, join(dir, 'validation_report.json'));
  assert.deepEqual(readdirSync(dir), ['validation_report.json']);
  const report = JSON.parse(readFileSync(path, 'utf8'));
  assert.deepEqual(Object.keys(report.domains), ['A', 'B']);
  assert.equal(report.domains.A.input, fixture('flat'));
  assert.deepEqual([report.domains.A.total, report.domains.A.usable, report.domains.A.rejected_count], [13, 9, 4]);
  assert.deepEqual(report.domains.A.rejected[0], { path: fixture('flat', 'broken_empty.jpg'), code: 'empty', reason: 'zero-byte file' });
  assert.deepEqual(report.domains.B, { total: 4, usable: 4, rejected_count: 0, rejected: [] });
});
