/**
 * A labelled grid of images as one JPEG: each cell is an image with its name written above it
 * (text drawn by sharp from SVG, so no font files of our own). Small images are enlarged with
 * nearest-neighbour sampling, so a 32 px sample stays readable and its pixels stay honest.
 */
import sharp, { type OverlayOptions } from 'sharp';
import type { ChwImage } from '../data/image_write.js';

export interface LabelledImage {
  label: string;
  image: ChwImage;
}

/** Cells are at least this wide, so a 32 px image and its label can be read. */
const MIN_CELL = 128;
const CAPTION = 18;
const GAP = 4;

function hwcBytes({ data, channels, height, width }: ChwImage): Buffer {
  const out = Buffer.alloc(3 * height * width);
  const plane = height * width;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.round((data[(channels === 1 ? 0 : c) * plane + i] + 1) * 127.5);
      out[i * 3 + c] = v > 255 ? 255 : v >= 0 ? v : 0;
    }
  }
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function caption(text: string, width: number): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CAPTION}"><rect width="100%" height="100%" fill="white"/>` +
      `<text x="3" y="${CAPTION - 5}" font-family="DejaVu Sans, sans-serif" font-size="13" fill="black">${escapeXml(text)}</text></svg>`,
  );
}

/** Rows of labelled images (all the same size) as JPEG bytes. */
export async function sampleSheet(rows: readonly (readonly LabelledImage[])[]): Promise<Buffer> {
  const { height, width } = rows[0][0].image;
  const scale = Math.max(1, Math.ceil(MIN_CELL / width));
  const cellW = width * scale;
  const cellH = height * scale;
  const columns = Math.max(...rows.map((r) => r.length));
  const sheetW = columns * cellW + (columns + 1) * GAP;
  const sheetH = rows.length * (CAPTION + cellH) + (rows.length + 1) * GAP;
  const layers: OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    const top = GAP + r * (CAPTION + cellH + GAP);
    for (const [c, cell] of row.entries()) {
      const left = GAP + c * (cellW + GAP);
      const pixels = await sharp(hwcBytes(cell.image), { raw: { width, height, channels: 3 } })
        .resize(cellW, cellH, { kernel: 'nearest' })
        .png()
        .toBuffer();
      layers.push({ input: caption(cell.label, cellW), top, left }, { input: pixels, top: top + CAPTION, left });
    }
  }
  return sharp({ create: { width: sheetW, height: sheetH, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(layers)
    .jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
    .toBuffer();
}
