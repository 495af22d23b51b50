// The README's usage block and parameter table describe the tool as it is: every command's synopsis,
// generated from the command table, appears verbatim, and every parameter has a row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, synopsis } from '../../src/cli/commands.js';
import { PARAMETER_NAMES } from '../../src/config/parameters.js';
import { repoRoot } from '../helpers/reference.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = (title: string) => readme.slice(readme.indexOf(`## ${title}\n`), readme.indexOf('\n## ', readme.indexOf(`## ${title}\n`) + 1));

test("the README's usage block lists each command's synopsis as the tool prints it", () => {
  const usage = section('Usage');
  for (const c of COMMANDS.filter((x) => x.name !== 'help')) assert.ok(usage.includes(`\n${synopsis(c)}\n`), `README lacks: ${synopsis(c)}`);
});

test("the README's parameter table has a row for every parameter", () => {
  const rows = section('Usage')
    .split('\n')
    .filter((l) => l.startsWith('| `'));
  for (const name of PARAMETER_NAMES) assert.ok(rows.some((r) => r.split('|')[1].includes(`\`${name}\``)), `no row for ${name}`);
});
