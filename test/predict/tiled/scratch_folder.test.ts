// Where tiled translation puts its scratch files (never in RAM by default) and what a full disk says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutputError } from '../../../src/errors.js';
import { fileSystemType, scratchFolderFor, scratchSpaceError } from '../../../src/translate/tiled/scratch_folder.js';
import { ScratchTiff } from '../../../src/translate/tiled/scratch_tiff.js';

// A mount table as /proc/self/mounts writes it (a space in a mount point is \040).
const MOUNTS = [
  '/dev/vda / ext4 rw,relatime 0 0',
  'tmpfs /tmp tmpfs rw,nosuid,nodev 0 0',
  '/dev/vdb /tmp/big\\040disk ext4 rw 0 0',
  'proc /proc proc rw 0 0',
  '',
].join('\n');

test('the file system of a path is that of the longest mount point holding it', () => {
  assert.equal(fileSystemType('/tmp', MOUNTS), 'tmpfs');
  assert.equal(fileSystemType('/tmp/a/b', MOUNTS), 'tmpfs');
  assert.equal(fileSystemType('/tmp/big disk/x', MOUNTS), 'ext4');
  // A sibling whose name starts like a mount point is not under it.
  assert.equal(fileSystemType('/tmpfoo', MOUNTS), 'ext4');
  assert.equal(fileSystemType('/work/run', MOUNTS), 'ext4');
  assert.equal(fileSystemType('/x', ''), null);
});

test('scratch files go to the temporary folder on a disk, to the output folder when it is tmpfs, and to --scratch_dir when given', () => {
  assert.deepEqual(scratchFolderFor('/work/out/a.jpg', undefined, { tmp: '/tmp', mounts: MOUNTS }).folder, '/work/out');
  assert.match(scratchFolderFor('/work/out/a.jpg', undefined, { tmp: '/tmp', mounts: MOUNTS }).why, /\/tmp is tmpfs \(memory\)/);
  assert.deepEqual(scratchFolderFor('/work/out/a.jpg', undefined, { tmp: '/tmp/big disk', mounts: MOUNTS }).folder, '/tmp/big disk');
  assert.deepEqual(scratchFolderFor('/work/out/a.jpg', '/scratch', { tmp: '/tmp', mounts: MOUNTS }).folder, '/scratch');
});

test("a full disk is an OutputError naming the scratch folder, from libvips' message or the errno", () => {
  // What libvips (through sharp) said when a decode into a full tmpfs failed on this machine.
  const vips = new Error('wbuffer_write: write failed\nsystem error: No space left on device\nwbuffer_write: write failed\nsystem error: No space left on device');
  const fromVips = scratchSpaceError(vips, '/scratch');
  assert.ok(fromVips instanceof OutputError);
  assert.match(fromVips.message, /^Expected room for tiled translation's scratch files in \/scratch but the disk is full.*--scratch_dir/);
  assert.equal(scratchSpaceError(new Error('VipsJpeg: Premature end of JPEG file'), '/scratch'), null);
  // A real ENOSPC: /dev/full refuses every write with it.
  assert.throws(() => new ScratchTiff('/dev/full', 8, 8, 3), (e: unknown) => e instanceof OutputError && /scratch files in \/ but the disk is full \(ENOSPC\)/.test(e.message));
});
