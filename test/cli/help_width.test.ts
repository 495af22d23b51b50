// Help pages fit the terminal: at 80 columns `cyclegan help train` used to break "[pa|rameters]" and
// "-|-source" mid-word, because only the option table was wrapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandHelp, overview } from '../../src/cli/help.js';
import { COMMANDS, synopsis } from '../../src/cli/commands.js';

const pages = (width: number) => [overview('0.1.0', width), ...COMMANDS.map((c) => commandHelp(c, width))];

test('every help line fits 80 and 120 columns', () => {
  for (const width of [80, 120]) {
    for (const page of pages(width)) {
      for (const line of page.split('\n')) assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
    }
  }
});

test('wrapping keeps the words, the synopsis and the example intact', () => {
  for (const c of COMMANDS) {
    const page = commandHelp(c, 80);
    // The example is continued with backslashes, so it pastes into a shell as the one declared command.
    const example = page.split('Example:\n')[1].trim().replace(/ \\\n\s+/g, ' ');
    assert.equal(example, c.example);
    const usage = page.split('Usage: ')[1].split('\n\n')[0].replace(/\n\s+/g, ' ');
    assert.equal(usage, synopsis(c));
    // Nothing is lost or added: the same words as the page laid out at an unlimited width.
    assert.deepEqual(page.replace(/ \\\n/g, '\n').split(/\s+/), commandHelp(c, 100000).split(/\s+/));
  }
});
