/**
 * onnxruntime-web, loaded on first use from the server's /vendor/ort/ (a copy of node_modules, never
 * a CDN). Its WASM build runs multi-threaded only where the page is cross-origin isolated (the
 * dashboard server sends the headers for that); elsewhere threads are turned off, as they must be.
 */
import type * as Ort from 'onnxruntime-web';

type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | null = null;

export function loadOnnxRuntime(base: string): Promise<OrtModule> {
  loading ??= new Promise<OrtModule>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('ort.wasm.min.js', base).href;
    script.onload = () => {
      const ort = (globalThis as unknown as { ort?: OrtModule }).ort;
      if (!ort) return reject(new Error('onnxruntime-web loaded but defined no `ort`'));
      ort.env.wasm.wasmPaths = new URL('./', script.src).href;
      ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
      resolve(ort);
    };
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.append(script);
  });
  return loading;
}

const sessions = new Map<string, Promise<Ort.InferenceSession>>();

/** One session per model URL, kept for the next image. */
export async function sessionFor(ort: OrtModule, modelUrl: string): Promise<Ort.InferenceSession> {
  let session = sessions.get(modelUrl);
  if (!session) {
    session = (async () => {
      const response = await fetch(modelUrl);
      if (!response.ok) throw new Error(`could not fetch the model (${response.status} ${response.statusText})`);
      return ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), { executionProviders: ['wasm'] });
    })();
    sessions.set(modelUrl, session);
    session.catch(() => sessions.delete(modelUrl));
  }
  return session;
}
