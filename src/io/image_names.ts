/** Which file names are taken for images: scanning a folder and staging a bucket both decide by extension. */
import { extname } from 'node:path';

/** Image file extensions accepted by scanning (compared lower-cased). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif'];

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}
