/**
 * The reference's dataset layout (junyanz/pytorch-CycleGAN-and-pix2pix, datasets/NAME/): trainA/ and
 * trainB/ hold the two domains for training, testA/ and testB/ (when present) the images to translate
 * afterwards. Read as one input, such a folder would be four classes mixing both domains; this module
 * recognises it so the caller can use it as the reference does, and say so.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface ReferenceLayout {
  root: string;
  trainA: string;
  trainB: string;
  /** Translated into Data/ after training, with usage 'test' in the manifest. */
  testA?: string;
  testB?: string;
}

const isDir = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The layout of `dir` when it has trainA/ and trainB/ folders, else null. */
export function referenceLayoutOf(dir: string): ReferenceLayout | null {
  const root = resolve(dir);
  if (!isDir(join(root, 'trainA')) || !isDir(join(root, 'trainB'))) return null;
  const layout: ReferenceLayout = { root, trainA: join(root, 'trainA'), trainB: join(root, 'trainB') };
  if (isDir(join(root, 'testA'))) layout.testA = join(root, 'testA');
  if (isDir(join(root, 'testB'))) layout.testB = join(root, 'testB');
  return layout;
}

/** One line saying how the layout is used. */
export function describeLayout(layout: ReferenceLayout, how: string): string {
  return `${layout.root} ${how}: training on trainA (source X) -> trainB (target Y)${layout.testA ? '; testA is translated into Data/ too (usage "test" in the manifest)' : ''}.`;
}
