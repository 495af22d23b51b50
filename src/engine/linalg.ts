/** Linear algebra (torch.matmul, torch.linalg.eigh, torch.index_select), used by the quality metrics. */
import { native } from './native.js';
import { run, Tensor } from './tensor.js';

export function matmul(a: Tensor, b: Tensor): Tensor {
  return new Tensor(run('matmul', [a, b], () => native().matmul(a.handle, b.handle)));
}

/** Eigenvalues (ascending) and eigenvectors (as columns) of a symmetric matrix; only its lower triangle is read. */
export function eigh(x: Tensor): { values: Tensor; vectors: Tensor } {
  const [values, vectors] = run('eigh', [x], () => native().eigh(x.handle));
  return { values: new Tensor(values), vectors: new Tensor(vectors) };
}

/** Rows (dim 0) or other slices of x at the given indices. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  return new Tensor(run('index_select', [x, index], () => native().indexSelect(x.handle, dim, index.handle)));
}
