// The static import graph of a TypeScript tree (relative `import`/`export ... from` and `import('...')`),
// file by file, and what the layering checks need from it: each file's top-level folder, cycles.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type ImportGraph = Map<string, string[]>;

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

/** Files relative to `root` (e.g. 'train/trainer.ts') and the files of `root` each imports. */
export function importGraph(root: string): ImportGraph {
  const files = tsFiles(root);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts')).filter((t) => known.has(t));
    graph.set(relative(root, file), [...new Set(targets.map((t) => relative(root, t)))]);
  }
  return graph;
}

/** 'train/trainer.ts' -> 'train'; a file at the top ('errors.ts') is its own unit ('errors'). */
export function unitOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, '');
}

/** Strongly connected components with more than one file (Tarjan): each is an import circle. */
export function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Imports that leave their unit for one not strictly lower in `layers` (higher number = higher layer). */
export function upwardImports(graph: ImportGraph, layers: Readonly<Record<string, number>>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    for (const target of targets) {
      const from = unitOf(file);
      const to = unitOf(target);
      if (from === to) continue;
      if (!(from in layers) || !(to in layers)) bad.push(`${file} -> ${target}: ${!(from in layers) ? from : to} has no layer`);
      else if (layers[to]! >= layers[from]!) bad.push(`${file} -> ${target}: ${from} (layer ${layers[from]}) may not import ${to} (layer ${layers[to]})`);
    }
  }
  return bad;
}
