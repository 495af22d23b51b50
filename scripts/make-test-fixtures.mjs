#!/usr/bin/env node
// Writes the small committed image fixtures under test/fixtures/ for the data-layer tests.
// Deterministic: rerunning gives the same pixels (encoders may differ byte-wise across sharp versions).
//   node scripts/make-test-fixtures.mjs
import { Buffer } from 'node:buffer';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures');

/** HWC uint8 pixels from f(x, y) -> [r, g, b] or [r, g, b, a]. */
function pixels(width, height, channels, f) {
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = f(x, y);
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = v[c];
    }
  }
  return out;
}

const raw = (width, height, channels, f, extra = {}) => sharp(pixels(width, height, channels, f), { raw: { width, height, channels, ...extra } });

function write(path, data) {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, data);
}

// ---- BMP writer (sharp cannot write BMP) ----
// 16-colour palette and a pattern that uses all of it, shared by every BMP variant.
const PALETTE = Array.from({ length: 16 }, (_, i) => [(i * 53) % 256, (i * 97 + 40) % 256, (i * 151 + 90) % 256]);
const index = (x, y) => (x + 3 * y) % 16;
const BW = 9;
const BH = 7;

function bmp({ bpp, compression = 0, topDown = false, width = BW, height = BH, colour, idx }) {
  const paletted = bpp <= 8;
  const paletteSize = paletted ? (1 << bpp) * 4 : 0;
  const masks = compression === 3 ? 12 : 0;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const offset = 14 + 40 + masks + paletteSize;
  const buf = Buffer.alloc(offset + stride * height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(topDown ? -height : height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(bpp, 28);
  buf.writeUInt32LE(compression, 30);
  buf.writeUInt32LE(stride * height, 34);
  buf.writeUInt32LE(paletted ? 1 << bpp : 0, 46);
  if (compression === 3) {
    buf.writeUInt32LE(0x00ff0000, 54);
    buf.writeUInt32LE(0x0000ff00, 58);
    buf.writeUInt32LE(0x000000ff, 62);
  }
  if (paletted) {
    for (let i = 0; i < 1 << bpp; i++) {
      const [r, g, b] = PALETTE[i % 16];
      buf.writeUInt8(b, 54 + masks + i * 4);
      buf.writeUInt8(g, 54 + masks + i * 4 + 1);
      buf.writeUInt8(r, 54 + masks + i * 4 + 2);
    }
  }
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      if (paletted) {
        const bit = x * bpp;
        const shift = 8 - bpp - (bit & 7);
        buf[row + (bit >> 3)] |= idx(x, y) << shift;
      } else {
        const [r, g, b] = colour(x, y);
        const p = row + x * (bpp / 8);
        buf[p] = b;
        buf[p + 1] = g;
        buf[p + 2] = r;
        if (bpp === 32) buf[p + 3] = 0; // unused byte, left 0 as most writers do
      }
    }
  }
  return buf;
}

const patternColour = (x, y) => PALETTE[index(x, y)];

async function main() {
  rmSync(root, { recursive: true, force: true });

  // ---- bmp/: every supported variant holds the same 9x7 pattern as pattern.png ----
  write('bmp/pattern.png', await raw(BW, BH, 3, patternColour).png().toBuffer());
  write('bmp/rgb24.bmp', bmp({ bpp: 24, colour: patternColour }));
  write('bmp/rgb24_topdown.bmp', bmp({ bpp: 24, topDown: true, colour: patternColour }));
  write('bmp/rgb32.bmp', bmp({ bpp: 32, colour: patternColour }));
  write('bmp/bitfields32.bmp', bmp({ bpp: 32, compression: 3, colour: patternColour }));
  write('bmp/pal8.bmp', bmp({ bpp: 8, idx: index }));
  write('bmp/pal4.bmp', bmp({ bpp: 4, idx: index }));
  const rle = bmp({ bpp: 8, idx: index });
  rle.writeUInt32LE(1, 30); // BI_RLE8: declared compressed, which we do not decode
  write('bmp/rle8.bmp', rle);

  // ---- flat/: one of each format, plus broken files ----
  write('flat/a_photo.jpg', await raw(40, 30, 3, (x, y) => [x * 6, y * 8, 128]).jpeg({ quality: 90 }).toBuffer());
  // Left half fully transparent but stored red: alpha must be dropped, keeping red (PIL convert('RGB')).
  write('flat/b_alpha.png', await raw(24, 24, 4, (x) => (x < 12 ? [255, 0, 0, 0] : [0, 255, 0, 255])).png().toBuffer());
  write('flat/c_gray.png', await raw(20, 36, 1, (x, y) => [(x * 12 + y * 3) % 256]).toColourspace('b-w').png().toBuffer());
  // Two frames: the first all red, the second all blue; only the first must be read.
  write('flat/d_anim.gif', await raw(32, 64, 3, (_x, y) => (y < 32 ? [255, 0, 0] : [0, 0, 255]), { pageHeight: 32 }).gif().toBuffer());
  write('flat/e_rgb24.bmp', bmp({ bpp: 24, width: 33, height: 17, colour: (x, y) => [x * 7, y * 15, 200] }));
  write('flat/f_image.webp', await raw(30, 30, 3, (x, y) => [200, x * 8, y * 8]).webp({ lossless: true }).toBuffer());
  write('flat/g_image.tiff', await raw(28, 28, 3, (x, y) => [x * 9, 100, y * 9]).tiff().toBuffer());
  // Stored 40 wide x 20 high, left half red and right half blue, with EXIF orientation 6 (rotate
  // 90 degrees clockwise to display): shown 20 wide x 40 high, top half red.
  write(
    'flat/h_rotated.jpg',
    await raw(40, 20, 3, (x) => (x < 20 ? [255, 0, 0] : [0, 0, 255]))
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer(),
  );
  write('flat/I_UPPER.JPG', await raw(16, 16, 3, (x, y) => [x * 16, y * 16, 0]).jpeg().toBuffer());
  write('flat/.hidden.jpg', await raw(16, 16, 3, () => [1, 2, 3]).jpeg().toBuffer());
  write('flat/notes.txt', 'Not an image; scanning skips files without an image extension.\n');
  write('flat/broken_empty.jpg', Buffer.alloc(0));
  const jpeg = await raw(48, 48, 3, (x, y) => [(x * 31) % 256, (y * 17) % 256, ((x + y) * 13) % 256]).jpeg().toBuffer();
  write('flat/broken_truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  write('flat/broken_text.png', 'This is a text file with a .png name.\n');
  write('flat/broken_tiny.png', await raw(4, 4, 3, () => [9, 9, 9]).png().toBuffer());

  // ---- classes/: three classes of 32px images, one broken file ----
  const classColour = { bird: [240, 200, 40], cat: [200, 60, 60], dog: [60, 60, 200] };
  for (const [name, [r, g, b]] of Object.entries(classColour)) {
    const count = name === 'bird' ? 2 : 3;
    for (let i = 1; i <= count; i++) {
      const img = raw(32, 32, 3, (x, y) => [(r + x * i) % 256, (g + y * i) % 256, b]);
      write(`classes/${name}/${name}_${i}.${i === 2 ? 'jpg' : 'png'}`, i === 2 ? await img.jpeg().toBuffer() : await img.png().toBuffer());
    }
  }
  write('classes/dog/dog_broken.jpg', jpeg.subarray(0, 100));

  // ---- target/: a second flat domain with a different colour scheme ----
  for (let i = 1; i <= 4; i++) {
    write(`target/t_${i}.png`, await raw(32, 32, 3, (x, y) => [20, (x * 8 + i * 30) % 256, (y * 8 + 100) % 256]).png().toBuffer());
  }

  // ---- manifest/: ModelArts-style manifests referencing images by relative path ----
  const labels = ['cat', 'dog', 'cat', 'dog'];
  const lines = [];
  for (let i = 1; i <= 4; i++) {
    write(`manifest/images/m_${i}.png`, await raw(32, 32, 3, (x, y) => [i * 50, x * 8, y * 8]).png().toBuffer());
    lines.push(
      JSON.stringify({ source: `images/m_${i}.png`, usage: 'train', annotation: [{ type: 'modelarts/image_classification', name: labels[i - 1], confidence: 1 }] }),
    );
  }
  write('manifest/train.manifest', `${lines.join('\n')}\n`);
  write('manifest/unlabelled.manifest', `${[3, 1, 2].map((i) => JSON.stringify({ source: `images/m_${i}.png` })).join('\n')}\n`);
}

await main();
console.log(`wrote fixtures under ${root}`);
