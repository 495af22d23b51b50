// The memory estimate before allocating networks (fault 5 of issue 9): the weight counts equal the
// built networks'; a run that cannot fit is refused with how much it needs, before any allocation;
// a model file whose metadata claims an absurd ngf is refused naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, CheckpointError } from '../../src/errors.js';
import { resolveParameters } from '../../src/config/resolve.js';
import { loadGenerator, GENERATOR_FORMAT } from '../../src/io/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { PatchDiscriminator } from '../../src/model/patch_discriminator.js';
import { ResnetGenerator } from '../../src/model/resnet_generator.js';
import { discriminatorParameterCount, generatorParameterCount, trainingMemoryBytes } from '../../src/model/memory_estimate.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/reference.js';

const countOf = (net: { namedParameters(): [string, { shape: readonly number[] }][]; dispose(): void }) => {
  const n = net.namedParameters().reduce((sum, [, t]) => sum + t.shape.reduce((a, b) => a * b, 1), 0);
  net.dispose();
  return n;
};

test('the weight counts equal those of the built networks', () => {
  for (const [channels, ngf, nBlocks] of [
    [3, 4, 1],
    [1, 8, 3],
    [3, 16, 9],
  ] as const) {
    assert.equal(generatorParameterCount(channels, ngf, nBlocks), countOf(new ResnetGenerator({ channels, ngf, nBlocks })));
    assert.equal(discriminatorParameterCount(channels, ngf), countOf(new PatchDiscriminator({ channels, ndf: ngf, nLayers: 3 })));
  }
});

test("the defaults' estimate is the 3.0 GiB peak the train-step benchmark measured at 256 px", () => {
  const gib = trainingMemoryBytes(resolveParameters({})) / 2 ** 30;
  assert.ok(gib > 2.5 && gib < 3.5, `${gib} GiB`);
});

test('a run that cannot fit is refused before allocating, saying how much it needs', async () => {
  const out = join(tempDir(), 'out');
  const parameters = resolveParameters({ ...tinyParameters, ngf: 100000 });
  await assert.rejects(
    train({ source: fixtures.flat, target: fixtures.target, out, parameters }),
    (e: unknown) => e instanceof ConfigError && /^training with ngf 100000, ndf 4, n_blocks 1 at 32x32, batch 1 needs about [\d.e+]+ GiB of memory; this machine has [\d.]+ GiB\. Lower ngf, ndf, n_blocks, the image size or batch_size$/.test(e.message),
  );
  assert.ok(!existsSync(join(out, 'checkpoints')));
});

test('a model file claiming ngf 1e9 is refused naming the file', () => {
  const file = join(tempDir(), 'absurd.safetensors');
  const meta = { format: GENERATOR_FORMAT, direction: 'AtoB', generator: { channels: 3, ngf: 1e9, nBlocks: 9 }, image_height: 256, image_width: 256, epoch: 1 };
  writeSafetensors(file, new Map(), { cyclegan: JSON.stringify(meta) });
  assert.throws(
    () => loadGenerator(file),
    (e: unknown) => e instanceof CheckpointError && /^.*absurd\.safetensors: its metadata describes a generator with ngf 1000000000 and 9 blocks, which needs about [\d.e+]+ GiB of memory; this machine has [\d.]+ GiB\. The file is damaged or was not written by cyclegan$/.test(e.message),
  );
});
