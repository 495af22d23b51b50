/** Where the committed fixtures live, from dist/test/data or test/data. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
export const fixtures = join(repoRoot, 'test', 'fixtures');
export const fixture = (...parts: string[]): string => join(fixtures, ...parts);

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cyclegan-data-'));
}
