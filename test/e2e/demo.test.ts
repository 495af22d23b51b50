// The bundled demo learns: after the (quick) demo run, translated day crops are darker than the inputs
// and closer to the night crops in mean luminance, and the full output tree is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { demo, demoData } from '../../src/demo/demo.js';
import { tempDir } from '../helpers/reference.js';

test('the quick demo translates day crops towards night', async () => {
  const out = join(tempDir(), 'demo');
  const result = await demo({ out, quick: true });
  assert.equal(result.completed, true);
  const s = result.statistic!;
  assert.ok(s.darker, `translations (${s.translated.toFixed(1)}) should be darker than the day inputs (${s.dayInputs.toFixed(1)})`);
  assert.ok(s.closerToNight, `translations (${s.translated.toFixed(1)}) should be closer to night (${s.nightReference.toFixed(1)}) than the inputs (${s.dayInputs.toFixed(1)})`);
  assert.equal(readdirSync(join(out, 'Data')).length, readdirSync(demoData.day).length);
  for (const f of ['model/CycleGan_epoch_1.pb', 'model/CycleGan_epoch_1.onnx', 'samples/0000.jpg', 'output_0.manifest', 'demo_statistic.json']) assert.ok(existsSync(join(out, f)), f);
});
