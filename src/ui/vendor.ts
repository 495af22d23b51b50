/**
 * The browser libraries the page uses, served from node_modules (nothing is fetched from the
 * internet): uPlot for the charts, and onnxruntime-web's WASM build for translating in the browser.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

// Both packages keep their browser builds in dist/, beside the file their main entry names.
const uplotDist = () => dirname(require.resolve('uplot'));
const ortDist = () => dirname(require.resolve('onnxruntime-web'));

/** Route name under /vendor/ -> file. Only these are served. */
export function vendorFiles(): ReadonlyMap<string, string> {
  return new Map([
    ['uplot.js', join(uplotDist(), 'uPlot.iife.min.js')],
    ['uplot.css', join(uplotDist(), 'uPlot.min.css')],
    // ort.wasm.min.js defines the global `ort` and loads the two files below from env.wasm.wasmPaths.
    ['ort/ort.wasm.min.js', join(ortDist(), 'ort.wasm.min.js')],
    ['ort/ort-wasm-simd-threaded.mjs', join(ortDist(), 'ort-wasm-simd-threaded.mjs')],
    ['ort/ort-wasm-simd-threaded.wasm', join(ortDist(), 'ort-wasm-simd-threaded.wasm')],
  ]);
}

export function readUplot(): { js: string; css: string } {
  return { js: readFileSync(join(uplotDist(), 'uPlot.iife.min.js'), 'utf8'), css: readFileSync(join(uplotDist(), 'uPlot.min.css'), 'utf8') };
}
