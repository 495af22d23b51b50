/**
 * The text of the terminal progress line, fitted to a width: position, speed, learning rate and ETA
 * always (dropped from the right only on very narrow terminals), then a bar, then as many losses as fit.
 */

export interface TrainingPosition {
  epoch: number;
  maxEpoch: number;
  step: number;
  stepsPerEpoch: number;
  secondsPerStep: number;
  lrG: number;
  losses: Readonly<Record<string, number>>;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Steps of the whole run, and those left after the position. */
export function stepCounts(e: Pick<TrainingPosition, 'epoch' | 'maxEpoch' | 'step' | 'stepsPerEpoch'>): { total: number; done: number; left: number } {
  const total = e.maxEpoch * e.stepsPerEpoch;
  const done = (e.epoch - 1) * e.stepsPerEpoch + e.step;
  return { total, done, left: Math.max(0, total - done) };
}

const BAR_MIN = 10;
const BAR_MAX = 30;

export function progressLine(e: TrainingPosition, width: number): string {
  const { total, done, left } = stepCounts(e);
  const fields = [
    `epoch ${e.epoch}/${e.maxEpoch}`,
    `step ${e.step}/${e.stepsPerEpoch}`,
    `${e.secondsPerStep.toFixed(2)} s/step`,
    `lr ${e.lrG.toExponential(1)}`,
    `ETA ${duration(left * e.secondsPerStep)}`,
  ];
  // Narrow terminals lose the learning rate, then the speed, before the position and the ETA.
  for (const drop of [3, 2]) {
    if (fields.join(' ').length <= width) break;
    fields.splice(drop, 1);
  }
  let text = fields.join(' ');
  if (text.length > width) return text.slice(0, Math.max(0, width));
  const room = width - text.length - 1;
  if (room >= BAR_MIN + 2) {
    const inner = Math.min(BAR_MAX, room - 2);
    const filled = Math.round((inner * done) / Math.max(1, total));
    text = `[${'#'.repeat(filled)}${'.'.repeat(inner - filled)}] ${text}`;
  }
  for (const [name, value] of Object.entries(e.losses)) {
    const piece = ` ${name} ${value.toFixed(3)}`;
    if (text.length + piece.length > width) break;
    text += piece;
  }
  return text;
}
