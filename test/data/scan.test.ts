import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DatasetError } from '../../src/errors.js';
import { scanInput } from '../../src/data/scan.js';
import { fixture, tempDir } from './paths.js';

const EXPECTED = 'Expected a folder of images, a folder of class subfolders, or a ModelArts manifest file (JSON lines like {"source": "images/1.jpg"})';
const FORMAT = 'Expected one JSON object per line, like {"source": "images/1.jpg", "annotation": [{"name": "cat"}]}';

test('a flat folder: every image extension in any case, sorted by name, hidden and non-image files skipped', async () => {
  const listing = await scanInput(fixture('flat'));
  assert.equal(listing.layout, 'flat');
  assert.equal(listing.path, fixture('flat'));
  assert.deepEqual(listing.classes, []);
  assert.deepEqual(listing.warnings, []);
  assert.deepEqual(
    listing.files.map((f) => f.path),
    [
      'I_UPPER.JPG', 'a_photo.jpg', 'b_alpha.png', 'broken_empty.jpg', 'broken_text.png', 'broken_tiny.png', 'broken_truncated.jpg',
      'c_gray.png', 'd_anim.gif', 'e_rgb24.bmp', 'f_image.webp', 'g_image.tiff', 'h_rotated.jpg',
    ].map((name) => fixture('flat', name)),
  );
  listing.files.forEach((f) => assert.deepEqual([f.className, f.classIndex], [null, 0]));
});

test('a folder of class subfolders: classes sorted, files sorted within each', async () => {
  const listing = await scanInput(fixture('classes'));
  assert.equal(listing.layout, 'classes');
  assert.deepEqual(listing.classes, ['bird', 'cat', 'dog']);
  assert.deepEqual(
    listing.files.map((f) => [f.path, f.className, f.classIndex]),
    [
      [fixture('classes', 'bird', 'bird_1.png'), 'bird', 0],
      [fixture('classes', 'bird', 'bird_2.jpg'), 'bird', 0],
      [fixture('classes', 'cat', 'cat_1.png'), 'cat', 1],
      [fixture('classes', 'cat', 'cat_2.jpg'), 'cat', 1],
      [fixture('classes', 'cat', 'cat_3.png'), 'cat', 1],
      [fixture('classes', 'dog', 'dog_1.png'), 'dog', 2],
      [fixture('classes', 'dog', 'dog_2.jpg'), 'dog', 2],
      [fixture('classes', 'dog', 'dog_3.png'), 'dog', 2],
      [fixture('classes', 'dog', 'dog_broken.jpg'), 'dog', 2],
    ],
  );
});

test('a ModelArts manifest: relative sources, classes from annotations', async () => {
  const listing = await scanInput(fixture('manifest', 'train.manifest'));
  assert.equal(listing.layout, 'manifest');
  assert.deepEqual(listing.classes, ['cat', 'dog']);
  assert.deepEqual(
    listing.files.map((f) => [f.path, f.className, f.classIndex]),
    [
      [fixture('manifest', 'images', 'm_1.png'), 'cat', 0],
      [fixture('manifest', 'images', 'm_3.png'), 'cat', 0],
      [fixture('manifest', 'images', 'm_2.png'), 'dog', 1],
      [fixture('manifest', 'images', 'm_4.png'), 'dog', 1],
    ],
  );
  const unlabelled = await scanInput(fixture('manifest', 'unlabelled.manifest'));
  assert.deepEqual(unlabelled.classes, []);
  assert.deepEqual(
    unlabelled.files.map((f) => [f.path, f.className, f.classIndex]),
    [1, 2, 3].map((i) => [fixture('manifest', 'images', `m_${i}.png`), null, 0]),
  );
});

test('a manifest with absolute and file:// sources, a BOM, blank lines and a duplicate', async () => {
  const dir = tempDir();
  const m1 = fixture('manifest', 'images', 'm_1.png');
  const m2 = fixture('manifest', 'images', 'm_2.png');
  const manifest = join(dir, 'abs.manifest');
  writeFileSync(manifest, `\uFEFF${JSON.stringify({ source: m2 })}\r\n\r\n${JSON.stringify({ source: `file://${m1}` })}\n${JSON.stringify({ source: m2 })}\n`);
  const listing = await scanInput(manifest);
  assert.deepEqual(listing.files.map((f) => f.path), [m1, m2]);
  assert.deepEqual(listing.warnings, [`Manifest ${manifest} lists 1 file(s) more than once; each is used once: ${m2} (line 4)`]);
});

test('images next to subfolders: the loose images are used and the subfolders named in a warning', async () => {
  const dir = tempDir();
  copyFileSync(fixture('target', 't_1.png'), join(dir, 'one.png'));
  mkdirSync(join(dir, 'thumbs'));
  copyFileSync(fixture('target', 't_2.png'), join(dir, 'thumbs', 'two.png'));
  const listing = await scanInput(dir);
  assert.equal(listing.layout, 'flat');
  assert.deepEqual(listing.files.map((f) => f.path), [join(dir, 'one.png')]);
  assert.deepEqual(listing.warnings, [
    `Folder ${dir} holds both images and subfolders; using the 1 image directly inside it as one set and ignoring the subfolders thumbs. To use the subfolders as classes, move the loose images into them`,
  ]);
});

test('empty class folders and nested folders are skipped with warnings', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'a', 'deeper'), { recursive: true });
  mkdirSync(join(dir, 'b'));
  mkdirSync(join(dir, '.git'));
  copyFileSync(fixture('target', 't_1.png'), join(dir, 'a', 'x.png'));
  const listing = await scanInput(dir);
  assert.deepEqual(listing.classes, ['a']);
  assert.deepEqual(listing.warnings, [
    `Subfolders of class folder ${join(dir, 'a')} are ignored: deeper`,
    `Class folder ${join(dir, 'b')} contains no images and is skipped`,
  ]);
});

test('unusable inputs are refused with exact messages', async () => {
  const dir = tempDir();
  const missing = join(dir, 'nope');
  await assert.rejects(scanInput(missing), new DatasetError(`Input path ${missing} does not exist. ${EXPECTED}`));

  const image = fixture('flat', 'a_photo.jpg');
  await assert.rejects(scanInput(image), new DatasetError(`Input path ${image} is a single image. ${EXPECTED}; point at the folder that holds it`));

  const text = fixture('flat', 'notes.txt');
  await assert.rejects(scanInput(text), new DatasetError(`Input path ${text} is neither a folder nor a manifest. ${EXPECTED}`));

  const empty = join(dir, 'empty');
  mkdirSync(join(empty, 'sub'), { recursive: true });
  writeFileSync(join(empty, 'readme.txt'), 'hi');
  writeFileSync(join(empty, '.hidden.png'), 'hi');
  await assert.rejects(
    scanInput(empty),
    new DatasetError(`Folder ${empty} contains no images, neither directly nor in class subfolders. Accepted extensions (any case): .jpg .jpeg .png .webp .bmp .tif .tiff .gif`),
  );
});

test('broken manifests are refused with the line and the expected format', async () => {
  const dir = tempDir();
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const ok = JSON.stringify({ source: 'a.png' });

  const badJson = write('bad.manifest', `${ok}\n{"source": oops}\n`);
  let parseMessage = '';
  try {
    JSON.parse('{"source": oops}');
  } catch (error) {
    parseMessage = (error as Error).message;
  }
  await assert.rejects(scanInput(badJson), new DatasetError(`Manifest ${badJson} line 2 is not valid JSON (${parseMessage}). ${FORMAT}`));

  const noSource = write('nosource.manifest', `${ok}\n{"src": "a.png"}\n`);
  await assert.rejects(scanInput(noSource), new DatasetError(`Manifest ${noSource} line 2 has no "source" string. ${FORMAT}`));

  const remote = write('remote.manifest', '{"source": "s3://bucket/a.jpg"}\n');
  await assert.rejects(
    scanInput(remote),
    new DatasetError(`Manifest ${remote} line 1 points at s3://bucket/a.jpg, which is not a local file; download the images and use absolute or manifest-relative paths`),
  );

  const partial = write('partial.manifest', `{"source": "a.png", "annotation": [{"name": "cat"}]}\n{"source": "b.png"}\n{"source": "c.png", "annotation": []}\n`);
  await assert.rejects(
    scanInput(partial),
    new DatasetError(`Manifest ${partial} gives a class name for 1 entries but not for 2 (first at line 2); annotate every entry or none`),
  );

  const badAnnotation = write('annot.manifest', '{"source": "a.png", "annotation": {"name": "cat"}}\n');
  await assert.rejects(scanInput(badAnnotation), new DatasetError(`Manifest ${badAnnotation} line 1 has an "annotation" that is not a list. ${FORMAT}`));

  const noName = write('noname.manifest', '{"source": "a.png", "annotation": [{"type": "x"}]}\n');
  await assert.rejects(scanInput(noName), new DatasetError(`Manifest ${noName} line 1 has an annotation without a "name" string. ${FORMAT}`));

  const blank = write('blank.manifest', '{}\n');
  await assert.rejects(scanInput(blank), new DatasetError(`Manifest ${blank} line 1 has no "source" string. ${FORMAT}`));
});
