/**
 * The reference's init_weights (junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py): conv and
 * transposed-conv weights from normal(0, gain), xavier_normal(gain), kaiming_normal(a=0, fan_in) or
 * orthogonal(gain), their biases 0; BatchNorm weights from normal(1, gain), biases 0. Fans are
 * computed as torch.nn.init does (dimension 1 is fan-in, also for transposed convolutions).
 */
import { BatchNorm2d, Conv2d, ConvTranspose2d, copyInto, fillInto, noGrad, normalInit, randn, tensor, type Module, type Tensor } from '../engine/index.js';

export const INIT_TYPES = ['normal', 'xavier', 'kaiming', 'orthogonal'] as const;
export type InitType = (typeof INIT_TYPES)[number];

function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * torch.nn.init.orthogonal_: the weight flattened to rows x cols is the Q of a QR decomposition of a
 * standard normal matrix (sign-corrected, so Q is uniformly distributed), times gain. Done on the host
 * with modified Gram-Schmidt over the shorter side, which yields the same Q as Householder QR.
 */
function orthogonalInit(weight: Tensor, gain: number): void {
  const rows = weight.shape[0];
  const cols = weight.shape.slice(1).reduce((a, b) => a * b, 1);
  const [n, m] = rows < cols ? [rows, cols] : [cols, rows]; // n orthonormal vectors of length m
  const draw = randn([n * m]);
  const a = Float64Array.from(draw.data() as Float32Array);
  draw.dispose();
  for (let i = 0; i < n; i++) {
    const vi = a.subarray(i * m, (i + 1) * m);
    for (let j = 0; j < i; j++) {
      const vj = a.subarray(j * m, (j + 1) * m);
      let dot = 0;
      for (let k = 0; k < m; k++) dot += vi[k] * vj[k];
      for (let k = 0; k < m; k++) vi[k] -= dot * vj[k];
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += vi[k] * vi[k];
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < m; k++) vi[k] /= norm;
  }
  // a holds n vectors of length m; the weight is rows x cols, so transpose when rows >= cols.
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) out[rows < cols ? i * cols + k : k * cols + i] = a[i * m + k] * gain;
  const values = tensor(out, weight.shape);
  copyInto(weight, values);
  values.dispose();
}

/** Re-initialises every conv and BatchNorm of `net` as the reference's init_weights(net, type, gain). */
export function initWeights(net: Module, type: InitType = 'normal', gain = 0.02): void {
  noGrad(() => {
    for (const m of net.modules()) {
      if (m instanceof Conv2d || m instanceof ConvTranspose2d) {
        const w = m.weight;
        const { fanIn, fanOut } = fans(w.shape);
        // The layer constructors already drew normal(0, 0.02): the default needs no second draw.
        if (type === 'normal' && gain !== 0.02) normalInit(w, 0, gain);
        else if (type === 'xavier') normalInit(w, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
        else if (type === 'kaiming') normalInit(w, 0, Math.sqrt(2) / Math.sqrt(fanIn));
        else if (type === 'orthogonal') orthogonalInit(w, gain);
        if (m.bias) fillInto(m.bias, 0);
      } else if (m instanceof BatchNorm2d) {
        normalInit(m.weight, 1, gain);
        fillInto(m.bias, 0);
      }
    }
  });
}
