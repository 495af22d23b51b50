// Coming from the PyTorch reference: its dataset layout (trainA/trainB/testA) as --dataroot or as a
// --source that is recognised and reported, and its checkpoints folder as --init_from.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveParameters } from '../../src/config/resolve.js';
import { initFromReference } from '../../src/io/init_from.js';
import { decodePth } from '../../src/io/pth_read.js';
import { CycleGan } from '../../src/model/cyclegan.js';
import { cycleGanOptionsOf } from '../../src/model/model_options.js';
import type { RunEvent } from '../../src/io/events.js';
import { train } from '../../src/train/trainer.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { runReference, tempDir } from '../helpers/reference.js';
import { Rng } from '../../src/engine/rng.js';

function referenceDataset(): string {
  const root = join(tempDir(), 'horse2zebra');
  const copy = (from: string, files: string[], to: string) => {
    mkdirSync(join(root, to), { recursive: true });
    for (const f of files) copyFileSync(join(from, f), join(root, to, f));
  };
  copy(fixtures.flat, ['a_photo.jpg', 'c_gray.png'], 'trainA');
  copy(fixtures.target, ['t_1.png', 't_2.png'], 'trainB');
  copy(fixtures.flat, ['e_rgb24.bmp', 'f_image.webp', 'g_image.tiff'], 'testA');
  copy(fixtures.target, ['t_3.png'], 'testB');
  return root;
}

describe('train --dataroot with a reference checkpoints folder as --init_from', () => {
  const events: RunEvent[] = [];
  let data: string;
  let checkpoints: string;
  let out: string;
  before(async () => {
    data = referenceDataset();
    checkpoints = tempDir();
    runReference('pth_files.py', ['checkpoints', checkpoints, '--netG', 'resnet_1', '--ngf', '4', '--ndf', '4']);
    out = join(tempDir(), 'run');
    const parameters = resolveParameters({ ...tinyParameters, max_epoch: 1, dataroot: data, init_from: checkpoints });
    const result = await train({ source: '', target: '', out, parameters, onEvent: (e) => events.push(e) });
    assert.equal(result.completed, true);
  });

  test('says what it read and where the weights came from', () => {
    const infos = events.filter((e) => e.type === 'info').map((e) => (e as { message: string }).message);
    assert.ok(infos.includes(`${data} is read as the reference dataset layout: training on trainA (source X) -> trainB (target Y); testA is translated into Data/ too (usage "test" in the manifest).`), infos.join('\n'));
    const nets = ['G_A', 'G_B', 'D_A', 'D_B'].map((n) => `net${n} from ${join(checkpoints, `latest_net_${n}.pth`)}`).join(', ');
    assert.ok(infos.includes(`initialised ${nets}`), infos.join('\n'));
  });

  test('Data/ holds trainA and testA translated, testA marked usage "test"', () => {
    const lines = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.original.split('/').slice(-2).join('/'), l.usage]),
      [
        ['trainA/a_photo.jpg', 'train'],
        ['trainA/c_gray.png', 'train'],
        ['testA/e_rgb24.bmp', 'test'],
        ['testA/f_image.webp', 'test'],
        ['testA/g_image.tiff', 'test'],
      ],
    );
  });
});

describe('the reference layout given as --source', () => {
  test('is recognised and reported, not read as four classes', async () => {
    const data = referenceDataset();
    const events: RunEvent[] = [];
    const out = join(tempDir(), 'run');
    await train({ source: data, target: data, out, parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }), onEvent: (e) => events.push(e) });
    const info = events.find((e) => e.type === 'info');
    assert.deepEqual(info, {
      type: 'info',
      message: `${data} has the reference dataset layout (trainA/, trainB/), so instead of reading its folders as classes it is used as --dataroot: training on trainA (source X) -> trainB (target Y); testA is translated into Data/ too (usage "test" in the manifest).`,
    });
    const manifest = readFileSync(join(out, 'output_0.manifest'), 'utf8').trim().split('\n');
    assert.equal(manifest.length, 5);
  });

  test('with an unrelated --target, says how to give it instead', async () => {
    const data = referenceDataset();
    await assert.rejects(train({ source: data, target: fixtures.target, out: join(tempDir(), 'run'), parameters: resolveParameters({ ...tinyParameters, max_epoch: 1 }) }), {
      name: 'ConfigError',
      message: `--source ${data} is the reference's dataset layout (trainA/, trainB/), which holds both domains, but --target ${fixtures.target} names another folder. Give --dataroot ${data} alone, or --source ${join(data, 'trainA')} --target ${fixtures.target}.`,
    });
  });
});

describe('init_from', () => {
  let checkpoints: string;
  before(() => {
    checkpoints = tempDir();
    runReference('pth_files.py', ['checkpoints', checkpoints, '--netG', 'resnet_1', '--ngf', '4', '--ndf', '4']);
  });

  test('loads each network from latest_net_*.pth, value for value', () => {
    const p = resolveParameters({ ...tinyParameters });
    const model = new CycleGan(cycleGanOptionsOf(p, new Rng(0)));
    try {
      initFromReference(model, checkpoints);
      for (const net of ['G_A', 'D_B'] as const) {
        const expected = decodePth(readFileSync(join(checkpoints, `latest_net_${net}.pth`)), net);
        for (const [name, t] of model.nets()[`net${net}`].namedParameters()) assert.deepEqual(t.toFloat32(), expected.get(name)!.data, `${net} ${name}`);
      }
    } finally {
      model.dispose();
    }
  });

  test('a single generator file initialises netG_A; a mismatched one names the flags to pass', () => {
    const p = resolveParameters({ ...tinyParameters, ngf: 8 });
    const model = new CycleGan(cycleGanOptionsOf(p, new Rng(0)));
    try {
      const file = join(checkpoints, 'latest_net_G_A.pth');
      assert.throws(() => initFromReference(model, file), {
        name: 'CheckpointError',
        message: `${file} holds a ResNet with 1 blocks (ngf 4, norm instance) but this run builds a ResNet with 1 blocks (ngf 8, norm instance); pass --n_blocks 1 --ngf 4 --norm instance.`,
      });
    } finally {
      model.dispose();
    }
  });

  test('a folder without reference generators says what it expected', () => {
    const empty = tempDir();
    const model = new CycleGan(cycleGanOptionsOf(resolveParameters({ ...tinyParameters }), new Rng(0)));
    try {
      assert.throws(() => initFromReference(model, empty), { name: 'CheckpointError', message: `init_from ${empty} holds no reference generator: expected latest_net_G_A.pth (or N_net_G_A.pth), as the reference's checkpoints/NAME folder has.` });
    } finally {
      model.dispose();
    }
  });
});
