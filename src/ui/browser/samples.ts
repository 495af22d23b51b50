/**
 * The sample sheets: the newest epoch's by default, and a slider back through earlier ones.
 * Files are grouped by the number their name starts with (the epoch: samples/0003_7.jpg belongs to
 * the 4th epoch); a name without a leading number is a group of its own. Any *.jpg/*.png is shown.
 */
import type { RunSnapshot } from '../shared/wire.js';
import { el, fill } from './dom.js';

const MIN_HEIGHT = 96;

export interface SampleGroup {
  label: string;
  files: string[];
}

export function groupSamples(names: readonly string[]): SampleGroup[] {
  const groups: SampleGroup[] = [];
  for (const name of [...names].sort()) {
    const lead = /^(\d+)/.exec(name)?.[1];
    const label = lead === undefined ? name : `epoch ${Number(lead) + 1}`;
    const last = groups[groups.length - 1];
    if (lead !== undefined && last && last.label === label) last.files.push(name);
    else groups.push({ label, files: [name] });
  }
  return groups;
}

/** One run's sample panel; keeps the slider where the reader left it unless it was at the newest. */
export class SamplesView {
  readonly element: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly caption: HTMLElement;
  private readonly images: HTMLElement;
  private readonly everyEpoch: HTMLInputElement;
  private groups: SampleGroup[] = [];

  constructor(
    private readonly run: number,
    private readonly url: (run: number, name: string) => string,
  ) {
    this.slider = el('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, class: 'sample-slider' });
    this.caption = el('span', { class: 'sample-caption' });
    this.images = el('div', { class: 'sample-images' });
    this.everyEpoch = el('input', { type: 'checkbox', class: 'every-epoch' });
    this.slider.addEventListener('input', () => this.show());
    this.everyEpoch.addEventListener('change', () => this.show());
    this.element = el('div', { class: 'samples', 'data-run': run }, el('div', { class: 'toolbar' }, this.slider, this.caption, el('label', {}, this.everyEpoch, ' every epoch')), this.images);
  }

  update(snapshot: RunSnapshot): void {
    const atNewest = Number(this.slider.value) >= this.groups.length - 1;
    this.groups = groupSamples(snapshot.files.samples);
    this.slider.max = String(Math.max(0, this.groups.length - 1));
    if (atNewest) this.slider.value = this.slider.max;
    this.show();
  }

  private show(): void {
    const group = this.groups[Number(this.slider.value)];
    if (!group) {
      this.caption.textContent = 'no sample sheet yet (one is written after every epoch)';
      this.images.dataset.key = '';
      fill(this.images);
      return;
    }
    this.slider.disabled = this.groups.length < 2 || this.everyEpoch.checked;
    if (this.everyEpoch.checked) {
      // the whole run at once, newest first, as the reference's results page lists it
      this.caption.textContent = `${this.groups.length} epochs`;
      const shown = [...this.groups].reverse();
      const key = shown.map((g) => g.files.join('/')).join('|');
      if (this.images.dataset.key === key) return;
      this.images.dataset.key = key;
      fill(this.images, ...shown.map((g) => el('div', { class: 'sample-group' }, el('div', { class: 'sample-label' }, g.label), ...g.files.map((name) => this.image(name)))));
      return;
    }
    this.caption.textContent = `${group.label} (${Number(this.slider.value) + 1} of ${this.groups.length})`;
    const key = group.files.join('/');
    if (this.images.dataset.key === key) return;
    this.images.dataset.key = key;
    fill(this.images, ...group.files.map((name) => this.image(name)));
  }

  private image(name: string): HTMLImageElement {
    const img = el('img', { src: this.url(this.run, name), alt: name, title: name, 'data-name': name });
    // small sheets (32 px training) are enlarged by whole factors, so their pixels stay sharp
    img.onload = () => {
      if (img.naturalHeight < MIN_HEIGHT) img.style.height = `${img.naturalHeight * Math.ceil(MIN_HEIGHT / img.naturalHeight)}px`;
    };
    return img;
  }
}
