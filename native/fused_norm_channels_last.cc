// The fused instance norm + ReLU + reflection pad and reflection padding alone on channels-last tensors, forward
// and backward: the same arithmetic as the plane loops of ops_fused_norm.cc, over runs of channels.
//
// Why channels-last: with bfloat16 convolutions the ResNet generator keeps its inner layers' activations
// channels-last (src/model/resnet_generator.ts), the layout oneDNN's AMX kernels read and write. Each convolution in
// the contiguous layout paid two float32 transposes (its output, and its input gradient) and two transposing casts;
// channels-last leaves only the casts.
//
// Each thread takes one sample's run of channels (a multiple of sixteen, one vector register of floats) and walks
// the pixels in memory order, reading and writing that run of each pixel: each channel's statistics are one lane,
// and a channel's sums are made in the same order whatever the thread count. A first version that walked all
// pixels for sixteen channels at a time touched 64 bytes every C * 4 bytes: at 256 channels that stride maps onto
// an eighth of L2's sets, and the forward with a pad was 3.7x slower than the plane loops.
#pragma GCC optimize("O3")  // the lane loops need the vectoriser, which the addon's -O2 leaves off

#include "fused_norm_channels_last.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "reflect_index.h"

namespace {

constexpr int64_t kLanes = 16;

// Runs body(sample, firstChannel, channels) over each sample's channels, split over threads in runs of whole
// multiples of kLanes.
template <class Body>
void ForEachRun(int64_t n, int64_t c, Body body) {
  const int64_t blocks = (c + kLanes - 1) / kLanes;
  for (int64_t s = 0; s < n; s++) {
    at::parallel_for(0, blocks, 1, [&](int64_t begin, int64_t end) {
      const int64_t c0 = begin * kLanes;
      body(s, c0, std::min(end * kLanes, c) - c0);
    });
  }
}

// Fills the reflection borders of a run of channels of a padded [H + 2p, W + 2p] sample whose centre is written.
// `out` points at the run's first channel of the padded sample's first pixel; pixels are `c` floats apart.
void MirrorBorders(float* out, int64_t h, int64_t w, int64_t c, int64_t cr, int64_t p) {
  const int64_t pw = w + 2 * p;
  auto pixel = [&](int64_t row, int64_t col) { return out + (row * pw + col) * c; };
  for (int64_t row = p; row < p + h; row++) {
    for (int64_t q = 1; q <= p; q++) {
      std::copy_n(pixel(row, p + q), cr, pixel(row, p - q));
      std::copy_n(pixel(row, p + w - 1 - q), cr, pixel(row, p + w - 1 + q));
    }
  }
  for (int64_t q = 1; q <= p; q++) {
    for (int64_t col = 0; col < pw; col++) {
      std::copy_n(pixel(p + q, col), cr, pixel(p - q, col));
      std::copy_n(pixel(p + h - 1 - q, col), cr, pixel(p + h - 1 + q, col));
    }
  }
}

// g [H, W] (pixels `c` floats apart, like gradOut) = the run's padded gradient gradOut [H + 2p, W + 2p] folded:
// the centre, then each border pixel added onto the pixel it mirrors.
void FoldRun(const float* __restrict__ gradOut, float* __restrict__ g, int64_t h, int64_t w, int64_t c, int64_t cr, int64_t p) {
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) {
    for (int64_t j = 0; j < w; j++) std::copy_n(gradOut + ((r + p) * pw + j + p) * c, cr, g + (r * w + j) * c);
  }
  auto add = [&](const float* __restrict__ from, float* __restrict__ to) {
    for (int64_t k = 0; k < cr; k++) to[k] += from[k];
  };
  for (int64_t i = 0; i < h + 2 * p; i++) {
    const float* row = gradOut + i * pw * c;
    float* target = g + ReflectIndex(i, p, h) * w * c;
    if (i < p || i >= p + h) {
      for (int64_t j = 0; j < w; j++) add(row + (p + j) * c, target + j * c);
    }
    for (int64_t j = 0; j < p; j++) add(row + j * c, target + ReflectIndex(j, p, w) * c);
    for (int64_t j = p + w; j < w + 2 * p; j++) add(row + j * c, target + ReflectIndex(j, p, w) * c);
  }
}

// One sample's run of channels: each channel's statistics, then the normalised (and rectified) values into the
// padded output's centre, then its borders. x and out point at the run's first channel; stats at its first
// channel's [scale, shift]. As in the plane loops, statistics are of (x - pivot), the first pixel's value, so the
// variance keeps its digits when the mean is large against the spread; each image row is summed in float, rows in
// double.
void NormaliseRun(const float* __restrict__ x, float* __restrict__ out, float* stats, int64_t h, int64_t w, int64_t c, int64_t cr, int64_t p,
                  double eps, bool relu) {
  std::vector<float> lanes(5 * cr);  // pivot, row sum, row squares, scale, shift
  float* __restrict__ pivot = lanes.data();
  float* __restrict__ rowSum = pivot + cr;
  float* __restrict__ rowSquares = rowSum + cr;
  float* __restrict__ scale = rowSquares + cr;
  float* __restrict__ shift = scale + cr;
  std::vector<double> sum(cr, 0.0), squares(cr, 0.0);
  std::copy_n(x, cr, pivot);
  for (int64_t r = 0; r < h; r++) {
    std::fill_n(rowSum, 2 * cr, 0.0f);
    for (int64_t j = 0; j < w; j++) {
      const float* __restrict__ v = x + (r * w + j) * c;
      for (int64_t k = 0; k < cr; k++) {
        const float d = v[k] - pivot[k];
        rowSum[k] += d;
        rowSquares[k] += d * d;
      }
    }
    for (int64_t k = 0; k < cr; k++) {
      sum[k] += rowSum[k];
      squares[k] += rowSquares[k];
    }
  }
  const double count = static_cast<double>(h * w);
  for (int64_t k = 0; k < cr; k++) {
    const double shiftedMean = sum[k] / count;
    const double mean = pivot[k] + shiftedMean;
    const double variance = std::max(0.0, squares[k] / count - shiftedMean * shiftedMean);
    scale[k] = static_cast<float>(1.0 / std::sqrt(variance + eps));
    shift[k] = static_cast<float>(-mean) * scale[k];
    stats[2 * k] = scale[k];
    stats[2 * k + 1] = shift[k];
  }
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) {
    for (int64_t j = 0; j < w; j++) {
      const float* __restrict__ v = x + (r * w + j) * c;
      float* __restrict__ o = out + ((r + p) * pw + j + p) * c;
      if (relu) {
        for (int64_t k = 0; k < cr; k++) {
          const float y = v[k] * scale[k] + shift[k];
          o[k] = y > 0.0f ? y : 0.0f;
        }
      } else {
        for (int64_t k = 0; k < cr; k++) o[k] = v[k] * scale[k] + shift[k];
      }
    }
  }
  MirrorBorders(out, h, w, c, cr, p);
}

// The backward of NormaliseRun, as the plane loops do it, in place in gradIn: fold the padded gradient into it,
// mask it where the ReLU clamped, then
//   gradIn = scale * (g - mean(g) - y * mean(g * y)),  y = x * scale + shift   (affine-free, biased variance)
void NormaliseRunBackward(const float* __restrict__ gradOut, const float* __restrict__ x, const float* stats, float* __restrict__ gradIn, int64_t h,
                          int64_t w, int64_t c, int64_t cr, int64_t p, bool relu) {
  FoldRun(gradOut, gradIn, h, w, c, cr, p);
  std::vector<float> lanes(6 * cr);  // scale, shift, row sum, row dot, mean g, mean g y
  float* __restrict__ scale = lanes.data();
  float* __restrict__ shift = scale + cr;
  float* __restrict__ rowSum = shift + cr;
  float* __restrict__ rowDot = rowSum + cr;
  float* __restrict__ meanG = rowDot + cr;
  float* __restrict__ meanGY = meanG + cr;
  for (int64_t k = 0; k < cr; k++) {
    scale[k] = stats[2 * k];
    shift[k] = stats[2 * k + 1];
  }
  std::vector<double> sum(cr, 0.0), dot(cr, 0.0);
  for (int64_t r = 0; r < h; r++) {
    std::fill_n(rowSum, 2 * cr, 0.0f);
    for (int64_t j = 0; j < w; j++) {
      const float* __restrict__ v = x + (r * w + j) * c;
      float* __restrict__ g = gradIn + (r * w + j) * c;
      for (int64_t k = 0; k < cr; k++) {
        const float y = v[k] * scale[k] + shift[k];
        const float gv = !relu || y > 0.0f ? g[k] : 0.0f;
        g[k] = gv;
        rowSum[k] += gv;
        rowDot[k] += gv * y;
      }
    }
    for (int64_t k = 0; k < cr; k++) {
      sum[k] += rowSum[k];
      dot[k] += rowDot[k];
    }
  }
  const double count = static_cast<double>(h * w);
  for (int64_t k = 0; k < cr; k++) {
    meanG[k] = static_cast<float>(sum[k] / count);
    meanGY[k] = static_cast<float>(dot[k] / count);
  }
  for (int64_t r = 0; r < h; r++) {
    for (int64_t j = 0; j < w; j++) {
      const float* __restrict__ v = x + (r * w + j) * c;
      float* __restrict__ g = gradIn + (r * w + j) * c;
      for (int64_t k = 0; k < cr; k++) {
        const float y = v[k] * scale[k] + shift[k];
        g[k] = scale[k] * (g[k] - meanG[k] - y * meanGY[k]);
      }
    }
  }
}

void PadRun(const float* __restrict__ x, float* __restrict__ out, int64_t h, int64_t w, int64_t c, int64_t cr, int64_t p) {
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) {
    for (int64_t j = 0; j < w; j++) std::copy_n(x + (r * w + j) * c, cr, out + ((r + p) * pw + j + p) * c);
  }
  MirrorBorders(out, h, w, c, cr, p);
}

}  // namespace

void NormReluPadChannelsLast(const float* x, float* out, float* stats, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p, double eps, bool relu) {
  const int64_t sampleIn = h * w * c, sampleOut = (h + 2 * p) * (w + 2 * p) * c;
  ForEachRun(n, c, [&](int64_t s, int64_t c0, int64_t cr) {
    NormaliseRun(x + s * sampleIn + c0, out + s * sampleOut + c0, stats + (s * c + c0) * 2, h, w, c, cr, p, eps, relu);
  });
}

void NormReluPadChannelsLastBackward(const float* gradOut, const float* x, const float* stats, float* gradIn, int64_t n, int64_t h, int64_t w, int64_t c,
                                     int64_t p, bool relu) {
  const int64_t sampleIn = h * w * c, sampleOut = (h + 2 * p) * (w + 2 * p) * c;
  ForEachRun(n, c, [&](int64_t s, int64_t c0, int64_t cr) {
    NormaliseRunBackward(gradOut + s * sampleOut + c0, x + s * sampleIn + c0, stats + (s * c + c0) * 2, gradIn + s * sampleIn + c0, h, w, c, cr, p, relu);
  });
}

void ReflectionPadChannelsLast(const float* x, float* out, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p) {
  const int64_t sampleIn = h * w * c, sampleOut = (h + 2 * p) * (w + 2 * p) * c;
  ForEachRun(n, c, [&](int64_t s, int64_t c0, int64_t cr) { PadRun(x + s * sampleIn + c0, out + s * sampleOut + c0, h, w, c, cr, p); });
}

void ReflectionPadChannelsLastBackward(const float* gradOut, float* gradIn, int64_t n, int64_t h, int64_t w, int64_t c, int64_t p) {
  const int64_t sampleIn = h * w * c, sampleOut = (h + 2 * p) * (w + 2 * p) * c;
  ForEachRun(n, c, [&](int64_t s, int64_t c0, int64_t cr) { FoldRun(gradOut + s * sampleOut + c0, gradIn + s * sampleIn + c0, h, w, c, cr, p); });
}
