// The dashboard in a real browser (Debian's chromium through playwright-core), on a run trained here
// with `cyclegan train --ui 0`: the page needs the token, plots every loss, shows a line appended to
// train.jsonl within 2 s, browses the sample sheets; report.html works from file://; the in-browser
// translation (onnxruntime-web, WASM) equals onnxruntime-node's. Screenshots go to test-output/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { startDashboard, type Dashboard } from '../../src/ui/server.js';
import { launchChromium, screenshotPath } from '../helpers/browser.js';
import { fixtures, tinyParameters } from '../helpers/fixtures.js';
import { repoRoot, tempDir } from '../helpers/reference.js';
import { stepLine, writeRunFixture } from '../helpers/run_fixture.js';

const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const LOSSES = ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'];

/** Trains the tiny run through the CLI with --ui 0; resolves with its first stdout line and the HTTP status of its page with and without the token. */
function trainWithUi(out: string): Promise<{ firstLine: string; withToken: number; withoutToken: number; code: number | null; stderr: string }> {
  const flags = Object.entries(tinyParameters).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const child = spawn(process.execPath, [cli, 'train', '--source', fixtures.flat, '--target', fixtures.target, '--out', out, ...flags, '--ui', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let probe: Promise<[number, number]> | null = null;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!probe && stdout.includes('\n')) {
        const url = stdout.split('\n')[0];
        probe = Promise.all([fetch(url).then((r) => r.status), fetch(url.replace(/\?token=.*/, '')).then((r) => r.status)]);
      }
    });
    child.on('error', reject);
    child.on('close', async (code) => {
      try {
        const [withToken, withoutToken] = probe ? await probe : [0, 0];
        resolve({ firstLine: stdout.split('\n')[0], withToken, withoutToken, code, stderr });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The step events of the run's log (it holds other events too: start, epoch, saved, done). */
function stepLines(out: string): Record<string, unknown>[] {
  return readFileSync(join(out, 'logs', 'train.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.type === 'step');
}

/** Per series label of the losses chart: how many points it has. */
function plotted(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const chart = (window as unknown as { cyclegan: { charts: { losses: { chart: { series: { label: string }[]; data: (number | null)[][] } } } } }).cyclegan.charts.losses.chart;
    return Object.fromEntries(chart.series.slice(1).map((s, i) => [s.label, chart.data[i + 1].filter((v) => v !== null).length]));
  });
}

describe('dashboard in chromium', () => {
  const out = join(tempDir(), 'run');
  let browser: Browser;
  let dashboard: Dashboard;
  let page: Page;
  const pageErrors: string[] = [];
  let trained: Awaited<ReturnType<typeof trainWithUi>>;

  before(async () => {
    trained = await trainWithUi(out);
    assert.equal(trained.code, 0, trained.stderr);
    dashboard = await startDashboard({ folders: [out] });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  after(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  test('train --ui prints the tokened URL as its first line; the page answers 401 without the token', () => {
    assert.match(trained.firstLine, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    assert.equal(trained.withToken, 200);
    assert.equal(trained.withoutToken, 401);
    assert.ok(existsSync(join(out, 'report.html')), 'training wrote report.html');
  });

  test('the page loads with the token and gives 401 without it', async () => {
    const refused = await page.goto(dashboard.url.replace(/\?token=.*/, ''));
    assert.equal(refused?.status(), 401);
    const opened = await page.goto(dashboard.url);
    assert.equal(opened?.status(), 200);
    await page.waitForFunction(() => (window as unknown as { cyclegan?: { charts?: { losses?: { chart?: unknown } } } }).cyclegan?.charts?.losses?.chart, null, { timeout: 10000 });
    await page.waitForSelector('#connection[data-state=live]');
  });

  test('every loss has a point for every logged step', async () => {
    const logged = stepLines(out).length;
    assert.ok(logged >= 10);
    assert.deepEqual(await plotted(page), Object.fromEntries(LOSSES.map((n) => [n, logged])));
    const status = await page.textContent('#status');
    assert.match(status ?? '', /epoch 2 \/ 2/);
  });

  test('a line appended to train.jsonl shows up in the plot within 2 s; partial and unknown lines do no harm', async () => {
    const log = join(out, 'logs', 'train.jsonl');
    const spe = stepLines(out)[0].stepsPerEpoch as number;
    const losses = Object.fromEntries(LOSSES.map((n, i) => [n, Number((0.5 + i / 100).toFixed(2))]));
    const line = stepLine(3, 1, spe, 3, losses);
    appendFileSync(log, `${JSON.stringify({ type: 'from-a-newer-version', value: 1 })}\n${line.slice(0, 40)}`);
    await page.waitForTimeout(1200);
    const x = Number((2 + 1 / spe).toPrecision(6));
    const hasX = () => page.evaluate((x) => (window as unknown as { cyclegan: { charts: { losses: { chart: { data: number[][] } } } } }).cyclegan.charts.losses.chart.data[0].includes(x), x);
    assert.equal(await hasX(), false, 'half a line is not plotted');
    const t0 = Date.now();
    appendFileSync(log, `${line.slice(40)}\n`);
    await page.waitForFunction((x) => (window as unknown as { cyclegan: { charts: { losses: { chart: { data: number[][] } } } } }).cyclegan.charts.losses.chart.data[0].includes(x), x, { timeout: 2000, polling: 50 });
    const ms = Date.now() - t0;
    const values = await page.evaluate((x) => {
      const chart = (window as unknown as { cyclegan: { charts: { losses: { chart: { series: { label: string }[]; data: number[][] } } } } }).cyclegan.charts.losses.chart;
      const i = chart.data[0].indexOf(x);
      return Object.fromEntries(chart.series.slice(1).map((s, k) => [s.label, chart.data[k + 1][i]]));
    }, x);
    assert.deepEqual(values, losses);
    assert.match((await page.textContent('#status')) ?? '', /epoch 3 \/ 3/);
    // a metrics line (any numeric fields) gets a chart per field
    appendFileSync(log, `${JSON.stringify({ type: 'metrics', epoch: 2, fid: 12.5, kid: { AtoB: 0.25 }, label: 'text is ignored' })}\n`);
    await page.waitForFunction(() => !document.getElementById('metrics')?.hidden, null, { timeout: 2000 });
    const metrics = await page.evaluate(() => {
      const views = (window as unknown as { cyclegan: { charts: { metrics: Map<string, { chart: { data: (number | null)[][] } }> } } }).cyclegan.charts.metrics;
      return Object.fromEntries([...views].map(([key, view]) => [key, [view.chart.data[0], view.chart.data[1]]]));
    });
    assert.deepEqual(metrics, { fid: [[2], [12.5]], 'kid.AtoB': [[2], [0.25]] });
    assert.doesNotMatch((await page.textContent('.run-status')) ?? '', /unreadable/, 'neither an unknown event type nor a line completed later counts as unreadable');
    assert.deepEqual(pageErrors, []);
    console.log(`appended line plotted after ${ms} ms`);
  });

  test('the newest sample sheet loads and the slider shows an earlier epoch', async () => {
    const images = page.locator('.samples img');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.samples img')].every((img) => img.complete && img.naturalWidth > 0));
    const newest = await images.evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).dataset.name));
    assert.ok(newest.length > 0 && newest.every((n) => n?.startsWith('0001')), JSON.stringify(newest));
    assert.match((await page.textContent('.sample-caption')) ?? '', /epoch 2 \(2 of 2\)/);
    await page.locator('.sample-slider').fill('0');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.samples img')].every((img) => img.dataset.name?.startsWith('0000') && img.complete && img.naturalWidth > 0));
    assert.match((await page.textContent('.sample-caption')) ?? '', /epoch 1 \(1 of 2\)/);
    await page.locator('.sample-slider').fill('1');
  });

  test('an image translated in the browser equals onnxruntime-node within 1e-3', async () => {
    const png = join(tempDir(), 'input.png');
    const noise = Buffer.from(Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7919 + ((i * i) % 251)) % 256));
    await sharp(noise, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(png);
    await page.setInputFiles('#translate-file', png);
    await page.waitForFunction(() => (window as unknown as { cyclegan: { lastTranslation?: unknown } }).cyclegan.lastTranslation || /failed/.test(document.getElementById('translate-status')?.textContent ?? ''), null, { timeout: 120000 });
    const status = (await page.textContent('#translate-status')) ?? '';
    const got = await page.evaluate(() => {
      const t = (window as unknown as { cyclegan: { lastTranslation: { model: string; dims: number[]; input: Float32Array; output: Float32Array } } }).cyclegan.lastTranslation;
      return { model: t.model, dims: t.dims, input: [...t.input], output: [...t.output], isolated: crossOriginIsolated };
    });
    assert.equal(got.model, 'CycleGan_epoch_2.onnx', 'the newest model is chosen');
    assert.deepEqual(got.dims, [1, 3, 32, 32]);
    // the browser read the PNG's pixels exactly (CHW in [-1, 1])
    const expectedInput = Float32Array.from({ length: 3 * 32 * 32 }, (_, k) => noise[(k % 1024) * 3 + Math.floor(k / 1024)] / 127.5 - 1);
    assert.deepEqual(got.input, [...expectedInput]);
    const session = await InferenceSession.create(join(out, 'model', 'CycleGan_epoch_2.onnx'));
    const result = await session.run({ [session.inputNames[0]]: new Tensor('float32', expectedInput, [1, 3, 32, 32]) });
    const reference = result[session.outputNames[0]].data as Float32Array;
    assert.equal(got.output.length, reference.length);
    let maxDiff = 0;
    got.output.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - reference[i]))));
    console.log(`browser vs onnxruntime-node: max |diff| ${maxDiff.toExponential(2)}; ${status}; crossOriginIsolated ${got.isolated}`);
    assert.ok(maxDiff <= 1e-3, `max difference ${maxDiff}`);
    assert.ok(got.isolated, 'the server makes the page cross-origin isolated, so onnxruntime-web may use threads');
    const path = screenshotPath('dashboard.png');
    await page.screenshot({ path, fullPage: true });
    console.log(`screenshot of the live page: ${path}`);
  });

  test('the page reconnects by itself when the server comes back, and rebuilds from the folder', async () => {
    const { port, token } = dashboard;
    await dashboard.close();
    await page.waitForSelector('#connection[data-state=lost]', { timeout: 5000 });
    dashboard = await startDashboard({ folders: [out], port, token });
    await page.waitForSelector('#connection[data-state=live]', { timeout: 10000 });
    const logged = stepLines(out).length;
    const counts = await plotted(page);
    for (const n of LOSSES) assert.equal(counts[n], logged, n);
  });

  test('several runs are overlaid: each loss once per run', async () => {
    const other = join(tempDir(), 'other');
    await writeRunFixture(other, 3);
    const both = await startDashboard({ folders: [out, other] });
    const overlay = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    try {
      await overlay.goto(both.url);
      await overlay.waitForFunction(() => (window as unknown as { cyclegan?: { charts?: { losses?: { chart?: unknown } } } }).cyclegan?.charts?.losses?.chart);
      const counts = await plotted(overlay);
      assert.equal(counts['G_A · other'], 12);
      assert.ok(counts['G_A · run'] >= 10);
      assert.equal(Object.keys(counts).length, 16);
      assert.equal(await overlay.locator('.run-status').count(), 2);
      assert.equal(await overlay.locator('.samples').count(), 2);
    } finally {
      await overlay.close();
      await both.close();
    }
  });

  test('report.html opened from file:// shows the curves and the samples', async () => {
    const report = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    report.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    report.on('request', (r) => requests.push(r.url()));
    await report.goto(`file://${join(out, 'report.html')}`);
    await report.waitForFunction(() => (window as unknown as { cyclegan?: { charts?: { losses?: { chart?: unknown } } } }).cyclegan?.charts?.losses?.chart);
    const counts = await plotted(report);
    assert.deepEqual(Object.keys(counts), LOSSES);
    for (const n of LOSSES) assert.ok(counts[n] >= 10, `${n}: ${counts[n]} points`);
    await report.waitForFunction(() => {
      const imgs = [...document.querySelectorAll<HTMLImageElement>('.samples img')];
      return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
    });
    await report.locator('.sample-slider').fill('0');
    await report.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.samples img')].every((img) => img.dataset.name?.startsWith('0000') && img.complete && img.naturalWidth > 0));
    await report.locator('.sample-slider').fill('1');
    await report.locator('.every-epoch').check();
    await report.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.samples img')].every((img) => img.complete && img.naturalWidth > 0));
    assert.deepEqual(await report.locator('.sample-label').allTextContents(), ['epoch 2', 'epoch 1'], 'every epoch, newest first');
    assert.equal(await report.locator('.samples img').count(), readdirSync(join(out, 'samples')).length);
    assert.match((await report.textContent('#params')) ?? '', /n_blocks/);
    assert.match((await report.textContent('#validation')) ?? '', /broken_empty\.jpg/);
    assert.match((await report.textContent('#translate')) ?? '', /cyclegan ui OUT/);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:')),
      [],
      'nothing fetched from the network',
    );
    const path = screenshotPath('report.png');
    await report.screenshot({ path, fullPage: true });
    console.log(`screenshot of report.html: ${path}`);
  });
});
