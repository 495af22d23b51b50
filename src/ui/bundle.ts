/**
 * Joins the page's compiled browser modules (dist/src/ui/browser/*.js, made by `npm run build`) into
 * one script. The live page and report.html run the same script; report.html needs it in one piece
 * because browsers do not load module files from file:// pages.
 *
 * This is not a general bundler: it handles the one import form tsc emits for our own code,
 * `import { a, b as c } from './x.js';`, and `export function|const|class|async function` declarations.
 * Each module becomes a function scope returning its exports, so private names never collide.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const browserDir = join(dirname(fileURLToPath(import.meta.url)), 'browser');

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'(\.{1,2}\/[^']+\.js)';\s*$/gm;
const SIDE_EFFECT_IMPORT = /^import\s+'[^']*';\s*$/m;
const EXPORT_DECL = /^export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)/gm;

interface Module {
  id: string;
  code: string;
}

function load(path: string, order: Module[], seen: Set<string>, moduleId: (p: string) => string): void {
  if (seen.has(path)) return;
  seen.add(path);
  // tsc ends a module whose imports were all types with `export {};`: nothing to bundle there.
  let code = readFileSync(path, 'utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '').replace(/^export \{\};\s*$/m, '');
  if (SIDE_EFFECT_IMPORT.test(code) || /^export\s*\{/m.test(code) || /^export\s+default/m.test(code)) {
    throw new Error(`${path}: the page bundler handles only named imports and exported declarations`);
  }
  const exports = [...code.matchAll(EXPORT_DECL)].map((m) => m[1]);
  code = code.replace(IMPORT, (_all, names: string, spec: string) => {
    const dep = join(dirname(path), spec);
    load(dep, order, seen, moduleId);
    const binding = names
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
      .map((n) => n.replace(/\s+as\s+/, ': '))
      .join(', ');
    return `const { ${binding} } = ${moduleId(dep)};`;
  });
  if (/^import\s/m.test(code)) throw new Error(`${path}: an import the page bundler does not handle`);
  code = code.replace(/^export\s+/gm, '');
  order.push({ id: moduleId(path), code: `const ${moduleId(path)} = (() => {\n${code}\nreturn { ${exports.join(', ')} };\n})();` });
}

/** The page script, entry module last. Throws naming the file when the build output is missing. */
export function bundleBrowserCode(entry = join(browserDir, 'main.js')): string {
  const root = dirname(dirname(entry));
  const moduleId = (p: string) => `__module_${relative(root, p).replace(/[^\w]/g, '_')}`;
  const order: Module[] = [];
  try {
    load(entry, order, new Set(), moduleId);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`the dashboard's browser code is missing (${(error as NodeJS.ErrnoException).path}): run \`npm run build\``);
    }
    throw error;
  }
  return `'use strict';\n${order.map((m) => m.code).join('\n')}\n`;
}
