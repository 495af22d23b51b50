/** A minimal uncompressed little-endian RGB TIFF with 32-bit float samples (SampleFormat 3), written by hand. */
export function floatTiff(width: number, height: number, value: (x: number, y: number, c: number) => number): Buffer {
  const entries: [number, number, number, number][] = []; // tag, type (3 short, 4 long), count, value or offset
  const pixelBytes = width * height * 3 * 4;
  const ifdOffset = 8;
  const tagCount = 11;
  const extra = ifdOffset + 2 + tagCount * 12 + 4; // after the IFD: BitsPerSample[3], SampleFormat[3], then pixels
  const bitsAt = extra;
  const formatAt = extra + 6;
  const pixelsAt = extra + 12;
  entries.push([256, 4, 1, width], [257, 4, 1, height], [258, 3, 3, bitsAt], [259, 3, 1, 1], [262, 3, 1, 2], [273, 4, 1, pixelsAt], [277, 3, 1, 3], [278, 4, 1, height], [279, 4, 1, pixelBytes], [284, 3, 1, 1], [339, 3, 3, formatAt]);
  const out = Buffer.alloc(pixelsAt + pixelBytes);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffset, 4);
  out.writeUInt16LE(tagCount, ifdOffset);
  entries.forEach(([tag, type, count, v], i) => {
    const at = ifdOffset + 2 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    if (type === 3 && count === 1) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  for (let k = 0; k < 3; k++) {
    out.writeUInt16LE(32, bitsAt + 2 * k);
    out.writeUInt16LE(3, formatAt + 2 * k);
  }
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) out.writeFloatLE(value(x, y, c), pixelsAt + ((y * width + x) * 3 + c) * 4);
  return out;
}
