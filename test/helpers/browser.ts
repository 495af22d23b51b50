/**
 * A real browser for the dashboard tests: Debian's chromium (installed by `npm test`'s setup) driven
 * by playwright-core, which never downloads a browser of its own. CHROMIUM_PATH overrides the binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './reference.js';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no browser at ${chromiumPath}: apt-get install chromium (npm test does this), or set CHROMIUM_PATH`);
  // --no-sandbox: the tests may run as root (containers, CI), where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
}

/** Where the tests leave screenshots for a reader of their output: test-output/screenshots/ in the checkout. */
export function screenshotPath(name: string): string {
  const dir = join(repoRoot, 'test-output', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
