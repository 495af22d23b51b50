// The page bundler: modules joined into one script that runs without a module loader, each in its own
// scope (same private names in two modules do not collide), renamed imports bound, and anything it
// does not handle refused by name instead of producing a broken page.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { bundleBrowserCode } from '../../src/ui/bundle.js';
import { tempDir } from '../helpers/reference.js';

function modules(files: Record<string, string>): string {
  const root = tempDir();
  for (const [name, code] of Object.entries(files)) {
    mkdirSync(join(root, 'browser', name, '..'), { recursive: true });
    writeFileSync(join(root, 'browser', name), code);
  }
  return join(root, 'browser', 'main.js');
}

describe('bundleBrowserCode', () => {
  test('joins modules in dependency order with their own scopes and renamed imports', () => {
    const entry = modules({
      'main.js': "import { twice as double } from './a.js';\nimport { label } from '../shared/b.js';\nconst secret = 'main';\nresult.value = `${label(double(21))} ${secret}`;\nexport {};\n",
      'a.js': "import { label } from '../shared/b.js';\nconst secret = 'a';\nexport function twice(x) { return x * 2; }\nexport const unused = label(secret);\n",
      '../shared/b.js': "const secret = 'b';\nexport function label(x) { return `${secret}:${x}`; }\n",
    });
    const code = bundleBrowserCode(entry);
    assert.doesNotMatch(code, /^\s*(import|export)\s/m);
    const context = { result: { value: '' } };
    runInNewContext(code, context);
    assert.equal(context.result.value, 'b:42 main');
    assert.equal(code.match(/const __module_shared_b_js =/g)?.length, 1, 'a module imported twice is included once');
  });

  test('refuses what it does not handle, naming the file', () => {
    for (const code of ["import x from './a.js';\n", "import './a.js';\n", 'export default 1;\n', "export { a } from './a.js';\n", "import * as a from './a.js';\n"]) {
      const entry = modules({ 'main.js': code, 'a.js': 'export const a = 1;\n' });
      assert.throws(() => bundleBrowserCode(entry), (e: Error) => e.message.startsWith(entry), code);
    }
  });

  test('the page code of this build bundles and parses', () => {
    const code = bundleBrowserCode();
    assert.doesNotThrow(() => new Function(code));
    assert.match(code, /new EventSource\('api\/events'\)/);
  });
});
