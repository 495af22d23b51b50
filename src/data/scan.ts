/**
 * Finding the images of one domain. An input is one of:
 *  - 'flat': a folder of images (`dir/*.jpg`), one unlabelled set;
 *  - 'classes': a folder of class subfolders (`dir/<class>/*.jpg`), classes in sorted order;
 *  - 'manifest': a ModelArts-style manifest, JSON lines like
 *    {"source": "images/1.jpg", "annotation": [{"name": "cat"}]}, sources absolute or relative
 *    to the manifest's folder.
 *
 * A folder with images directly inside it is 'flat' even when it also has subfolders: the loose
 * images are plainly meant as data, while a subfolder beside them is more often an aside
 * (thumbnails, rejects, outputs) than a class, and loose files would belong to no class anyway.
 * The ignored subfolders are named in a warning so the choice is never silent.
 *
 * Scanning looks at names only; whether each file really decodes is `validateFiles`'s job.
 * Names sort by UTF-16 code units, not by locale, so the order is the same on every machine.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { DatasetError } from '../errors.js';
import { IMAGE_EXTENSIONS, isImageName } from '../io/image_names.js';
import { readManifest } from './modelarts_manifest.js';

export { IMAGE_EXTENSIONS, isImageName };

export type InputLayout = 'flat' | 'classes' | 'manifest';


export interface ScannedFile {
  /** Absolute path. */
  readonly path: string;
  /** Class (subfolder or annotation) name; null in a flat folder or an unannotated manifest. */
  readonly className: string | null;
  /** Index of the class in `classes`; 0 when there are no classes. */
  readonly classIndex: number;
}

export interface InputListing {
  /** The input, as an absolute path. */
  readonly path: string;
  readonly layout: InputLayout;
  /** Class names, sorted; empty when the input has no classes (flat folder, unannotated manifest). */
  readonly classes: string[];
  /** Sorted by class, then by file name (manifests: by path). */
  readonly files: ScannedFile[];
  /** Things the user should know about but that do not stop scanning (ignored subfolders, duplicates). */
  readonly warnings: string[];
}

const EXPECTED = 'Expected a folder of images, a folder of class subfolders, or a ModelArts manifest file (JSON lines like {"source": "images/1.jpg"})';

export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Lists `input` as a domain's image files; throws DatasetError when it cannot be used. */
export async function scanInput(input: string): Promise<InputListing> {
  const path = resolve(input);
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DatasetError(`Input path ${path} does not exist. ${EXPECTED}`);
  }
  if (info.isDirectory()) return scanFolder(path);
  if (info.isFile()) {
    if (isImageName(path)) {
      throw new DatasetError(`Input path ${path} is a single image. ${EXPECTED}; point at the folder that holds it`);
    }
    if (await looksLikeJsonLines(path)) {
      const { entries, warnings } = await readManifest(path);
      return assemble(path, 'manifest', entries, warnings);
    }
  }
  throw new DatasetError(`Input path ${path} is neither a folder nor a manifest. ${EXPECTED}`);
}

/** A manifest's first non-blank character is '{'; a binary or other text file's is not. */
async function looksLikeJsonLines(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return head.startsWith('{');
  } finally {
    await handle.close();
  }
}

interface FolderEntries {
  images: string[];
  folders: string[];
}

/** Non-hidden image files and subfolders of `dir`, each sorted; symbolic links are followed. */
async function listFolder(dir: string): Promise<FolderEntries> {
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new DatasetError(`Cannot list folder ${dir}: ${(error as Error).message}`);
  }
  const images: string[] = [];
  const folders: string[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    if (d.isSymbolicLink()) {
      const target = await stat(join(dir, d.name)).catch(() => undefined);
      isDir = target?.isDirectory() ?? false;
      // A dangling link to an image name is kept so validation can report it as unreadable.
      isFile = target ? target.isFile() : true;
    }
    if (isDir) folders.push(d.name);
    else if (isFile && isImageName(d.name)) images.push(d.name);
  }
  return { images: images.sort(byCodeUnits), folders: folders.sort(byCodeUnits) };
}

function noImages(path: string): DatasetError {
  return new DatasetError(
    `Folder ${path} contains no images, neither directly nor in class subfolders. ` +
      `Accepted extensions (any case): ${IMAGE_EXTENSIONS.join(' ')}`,
  );
}

async function scanFolder(path: string): Promise<InputListing> {
  const top = await listFolder(path);
  const warnings: string[] = [];
  if (top.images.length > 0) {
    if (top.folders.length > 0) {
      warnings.push(
        `Folder ${path} holds both images and subfolders; using the ${top.images.length} image${top.images.length === 1 ? "" : "s"} directly inside it as one set ` +
          `and ignoring the subfolders ${top.folders.join(', ')}. To use the subfolders as classes, move the loose images into them`,
      );
    }
    return assemble(path, 'flat', top.images.map((name) => ({ path: join(path, name), className: null })), warnings);
  }
  const entries: Array<{ path: string; className: string | null }> = [];
  for (const name of top.folders) {
    const classDir = join(path, name);
    const inner = await listFolder(classDir);
    if (inner.folders.length > 0) warnings.push(`Subfolders of class folder ${classDir} are ignored: ${inner.folders.join(', ')}`);
    if (inner.images.length === 0) {
      warnings.push(`Class folder ${classDir} contains no images and is skipped`);
      continue;
    }
    for (const file of inner.images) entries.push({ path: join(classDir, file), className: name });
  }
  if (entries.length === 0) throw noImages(path);
  return assemble(path, 'classes', entries, warnings);
}

/** Sorts entries by class then path and gives each its class index; classes are the sorted distinct names. */
function assemble(path: string, layout: InputLayout, entries: ReadonlyArray<{ path: string; className: string | null }>, warnings: string[]): InputListing {
  const classes = [...new Set(entries.map((e) => e.className).filter((c): c is string => c !== null))].sort(byCodeUnits);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const sorted = [...entries].sort((a, b) => {
    const ca = a.className === null ? 0 : (classIndex.get(a.className) as number);
    const cb = b.className === null ? 0 : (classIndex.get(b.className) as number);
    return ca - cb || byCodeUnits(layout === 'manifest' ? a.path : basename(a.path), layout === 'manifest' ? b.path : basename(b.path));
  });
  const files = sorted.map((e): ScannedFile => ({ path: e.path, className: e.className, classIndex: e.className === null ? 0 : (classIndex.get(e.className) as number) }));
  return { path, layout, classes, files, warnings };
}
