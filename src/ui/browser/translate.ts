/**
 * Translate in the browser: an image dropped on the panel is resized to the run's training size and
 * translated by the chosen exported model (the newest by default) with onnxruntime-web, on this
 * machine; the image is never sent anywhere. The last input and output tensors are kept on
 * `window.cyclegan.lastTranslation`, so a test can compare them with onnxruntime-node.
 */
import type { RunSnapshot } from '../shared/wire.js';
import { el, fill } from './dom.js';
import { pixelsToTensor, tensorToPixels } from './image_tensor.js';
import { loadOnnxRuntime, sessionFor } from './onnx_runtime.js';

export interface Translation {
  model: string;
  dims: number[];
  input: Float32Array;
  output: Float32Array;
  milliseconds: number;
}

export interface TranslateLinks {
  /** Where onnxruntime-web's files are served, or null where they cannot be (report.html from file://). */
  ortBase: string | null;
  modelUrl(run: number, name: string): string;
}

interface Choice {
  run: number;
  name: string;
  label: string;
}

function trainingShape(run: RunSnapshot | undefined, bitmap: ImageBitmap): { width: number; height: number; channels: 1 | 3 } {
  const p = run?.files.params?.parameters ?? {};
  const size = (v: unknown, fallback: number) => (typeof v === 'number' && v > 0 ? v : Math.max(4, fallback - (fallback % 4)));
  return { width: size(p.image_width, bitmap.width), height: size(p.image_height, bitmap.height), channels: p.image_channel === 1 ? 1 : 3 };
}

export class TranslatePanel {
  private choices: Choice[] = [];
  private runs: readonly RunSnapshot[] = [];
  private readonly select: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly result: HTMLElement;
  private chosenByUser = false;

  constructor(
    container: HTMLElement,
    private readonly links: TranslateLinks,
  ) {
    this.select = el('select', { id: 'translate-model' });
    this.select.addEventListener('change', () => (this.chosenByUser = true));
    this.status = el('p', { class: 'translate-status', id: 'translate-status' });
    this.result = el('div', { class: 'translate-result' });
    if (!links.ortBase) {
      fill(
        container,
        el('p', { class: 'note' }, 'Translating in the browser needs the WebAssembly runtime, which browsers do not load into a page opened from disk. Run ', el('code', {}, 'cyclegan ui OUT'), ' and use the panel on its page.'),
      );
      return;
    }
    const input = el('input', { type: 'file', accept: 'image/*', id: 'translate-file' });
    input.addEventListener('change', () => input.files?.[0] && this.translate(input.files[0]));
    const drop = el('label', { class: 'drop', for: 'translate-file' }, 'Drop an image here or click to choose one. It is translated on this machine, never uploaded.', input);
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      const file = e.dataTransfer?.files[0];
      if (file) void this.translate(file);
    });
    fill(container, el('div', { class: 'toolbar' }, el('label', {}, 'model ', this.select)), drop, this.status, this.result);
  }

  update(runs: readonly RunSnapshot[]): void {
    this.runs = runs;
    const choices = runs.flatMap((run, r) => run.files.models.map((name) => ({ run: r, name, label: runs.length > 1 ? `${run.name} / ${name}` : name })));
    const key = (c: Choice) => `${c.run}/${c.name}`;
    if (this.select.options.length > 0 && choices.map(key).join('|') === this.choices.map(key).join('|')) return;
    const previous = this.select.value;
    this.choices = choices;
    // the newest model of the first run that has one: its list is sorted oldest epoch first
    const newest = [...choices].reverse().sort((a, b) => a.run - b.run)[0];
    fill(this.select, ...choices.map((c) => el('option', { value: key(c) }, c.label)));
    if (choices.length === 0) fill(this.select, el('option', { value: '' }, 'no exported .onnx yet (written at each save)'));
    else this.select.value = this.chosenByUser && choices.some((c) => key(c) === previous) ? previous : key(newest);
  }

  private async translate(file: File): Promise<void> {
    const choice = this.choices.find((c) => `${c.run}/${c.name}` === this.select.value);
    if (!choice || !this.links.ortBase) {
      this.status.textContent = 'No model to translate with yet: the run writes model/*.onnx at each save.';
      return;
    }
    try {
      this.status.textContent = 'loading onnxruntime-web…';
      const ort = await loadOnnxRuntime(this.links.ortBase);
      const session = await sessionFor(ort, this.links.modelUrl(choice.run, choice.name));
      const bitmap = await createImageBitmap(file);
      const { width, height, channels } = trainingShape(this.runs[choice.run], bitmap);
      const source = el('canvas', { width, height });
      const context = source.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
      context.imageSmoothingQuality = 'high';
      context.drawImage(bitmap, 0, 0, width, height);
      const input = pixelsToTensor(context.getImageData(0, 0, width, height).data, width, height, channels);
      this.status.textContent = 'translating…';
      const started = performance.now();
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input, [1, channels, height, width]) };
      const results = await session.run(feeds);
      const milliseconds = performance.now() - started;
      const out = results[session.outputNames[0]];
      const output = out.data as Float32Array;
      const dims = [...out.dims];
      const target = el('canvas', { width: dims[3], height: dims[2] });
      (target.getContext('2d') as CanvasRenderingContext2D).putImageData(tensorToPixels(output, dims[3], dims[2], dims[1]), 0, 0);
      const link = el('a', { download: `${file.name.replace(/\.[^.]*$/, '')}_translated.png`, href: target.toDataURL('image/png') }, 'download');
      fill(this.result, el('figure', {}, source, el('figcaption', {}, `input ${width}×${height}`)), el('figure', {}, target, el('figcaption', {}, 'translated ', link)));
      const threads = ort.env.wasm.numThreads ?? 1;
      this.status.textContent = `${choice.label}: ${milliseconds.toFixed(0)} ms on ${threads} thread${threads === 1 ? '' : 's'} (WebAssembly)`;
      const translation: Translation = { model: choice.name, dims, input, output, milliseconds };
      (window as unknown as { cyclegan: { lastTranslation?: Translation } }).cyclegan.lastTranslation = translation;
    } catch (error) {
      this.status.textContent = `Translation failed: ${(error as Error).message}`;
    }
  }
}
