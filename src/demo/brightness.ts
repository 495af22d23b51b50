/**
 * A simple statistic to show the demo learned day -> night: mean luminance (0..255) of a set of images,
 * and how far a set is from the night set in that measure.
 */
import sharp from 'sharp';

export async function meanLuminance(paths: readonly string[]): Promise<number> {
  let sum = 0;
  for (const path of paths) {
    const { data } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
    let s = 0;
    for (let i = 0; i < data.length; i++) s += data[i];
    sum += s / data.length;
  }
  return paths.length ? sum / paths.length : NaN;
}

export interface DemoStatistic {
  dayInputs: number;
  translated: number;
  nightReference: number;
  /** |translated - night| < |day - night|: the translations moved towards the night domain. */
  closerToNight: boolean;
  darker: boolean;
}

export async function demoStatistic(dayPaths: readonly string[], translatedPaths: readonly string[], nightPaths: readonly string[]): Promise<DemoStatistic> {
  const [dayInputs, translated, nightReference] = await Promise.all([meanLuminance(dayPaths), meanLuminance(translatedPaths), meanLuminance(nightPaths)]);
  return {
    dayInputs,
    translated,
    nightReference,
    closerToNight: Math.abs(translated - nightReference) < Math.abs(dayInputs - nightReference),
    darker: translated < dayInputs,
  };
}
