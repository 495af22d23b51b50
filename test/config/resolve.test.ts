// Every parameter keeps the spec's name and default; bad values are rejected with the exact message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { changedParameters, defaultParameters, resolveParameters } from '../../src/config/resolve.js';

test("the operator's parameters and defaults", () => {
  const p = defaultParameters();
  assert.deepEqual(
    {
      do_validation: p.do_validation,
      image_channel: p.image_channel,
      image_height: p.image_height,
      image_width: p.image_width,
      batch_size: p.batch_size,
      max_epoch: p.max_epoch,
      g_learning_rate: p.g_learning_rate,
      d_learning_rate: p.d_learning_rate,
      log_frequency: p.log_frequency,
      save_frequency: p.save_frequency,
      predict: p.predict,
      resume: p.resume,
    },
    { do_validation: true, image_channel: 3, image_height: 256, image_width: 256, batch_size: 1, max_epoch: 100, g_learning_rate: 1e-4, d_learning_rate: 1e-4, log_frequency: 5, save_frequency: 5, predict: false, resume: '' },
  );
  assert.equal(p.ngf, 64);
  assert.equal(p.n_blocks, 9);
  assert.equal(p.lambda_cycle, 10);
  assert.equal(p.lambda_identity, 0.5);
  assert.equal(p.pool_size, 50);
  assert.equal(p.lr_policy, 'linear');
});

test('strings from flags become numbers and booleans; kebab-case is accepted; the result is frozen', () => {
  const p = resolveParameters({ 'image-height': '128', image_width: 64, do_validation: 'false', g_learning_rate: '2e-4' });
  assert.equal(p.image_height, 128);
  assert.equal(p.image_width, 64);
  assert.equal(p.do_validation, false);
  assert.equal(p.g_learning_rate, 2e-4);
  assert.ok(Object.isFrozen(p));
  assert.deepEqual(changedParameters(p), { image_height: 128, image_width: 64, do_validation: false, g_learning_rate: 2e-4 });
});

const cases: [Record<string, unknown>, string][] = [
  [{ image_height: 100 }, 'Expected a power of 2 from 32 to 8192 for image_height but received 100 of type number'],
  [{ image_width: '300' }, 'Expected a power of 2 from 32 to 8192 for image_width but received 300 of type number'],
  [{ image_height: 16 }, 'Expected a power of 2 from 32 to 8192 for image_height but received 16 of type number'],
  [{ batch_size: 0 }, 'Expected a positive integer for batch_size but received 0 of type number'],
  [{ batch_size: 1.5 }, 'Expected an integer for batch_size but received 1.5 of type number'],
  [{ image_channel: 2 }, 'Expected one of 1, 3 for image_channel but received 2 of type number'],
  [{ g_learning_rate: 0 }, 'Expected a number greater than 0 for g_learning_rate but received 0 of type number'],
  [{ d_learning_rate: -1e-4 }, 'Expected a number greater than 0 for d_learning_rate but received -0.0001 of type number'],
  [{ max_epoch: 'spoons' }, "Expected an integer for max_epoch but received 'spoons' of type string"],
  [{ do_validation: 'maybe' }, "Expected true or false for do_validation but received 'maybe' of type string"],
  [{ lr_policy: 'cosine' }, "Expected one of linear, constant for lr_policy but received 'cosine' of type string"],
  [{ device: 'tpu' }, "Expected cpu, cuda or cuda:N for device but received 'tpu' of type string"],
  [{ load_scale: 0.5 }, 'Expected a number from 1 to 4 for load_scale but received 0.5 of type number'],
  [{ predict: true }, 'predict is true but resume is empty: set resume to the model to predict with (a .pb, .onnx or a cyclegan checkpoint)'],
];

for (const [input, message] of cases) {
  test(`rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => resolveParameters(input),
      (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG' && e.message === message,
    );
  });
}

test('unknown parameters are rejected with the list of accepted ones', () => {
  assert.throws(() => resolveParameters({ image_size: 64 }), (e: unknown) => e instanceof ConfigError && /^Unknown parameter 'image_size'\. Accepted parameters: do_validation, image_channel, image_height, /.test(e.message));
});
