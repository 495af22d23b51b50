// Fusion of the generator's "instance norm, ReLU, reflection pad" runs into one pass, with its backward.
//
// In the ResNet generator nearly every convolution is followed by instance norm and ReLU, and inside
// the residual blocks by a reflection pad for the next convolution. As three ATen ops, each reads the
// whole activation and writes a new one (5 reads and 3 writes of 4 MB per block half at 256 px); here
// the statistics take one read and the normalised, rectified, padded plane is written straight into
// the padded output: 2 reads and 1 write. In training the backward is fused the same way: ATen's three
// backward ops (pad fold, ReLU mask, norm) took 2 reads and 2 writes each; here each plane's padded
// gradient is folded into a scratch plane that stays in cache, and the input gradient is written once.
// Only the input and two floats per plane are saved for it. Forward + backward against ATen's ops
// (Intel Xeon, 1 thread): [1, 256, 32, 32] pad 1 1.3 against 2.3 ms, [1, 64, 128, 128] pad 3 6.0
// against 11.7 ms; without a pad about even.
// This file's loops need the vectoriser: GCC 12 at the addon's -O2 vectorised none of them, and the
// scalar ReLU select mispredicted on every other element (IN + ReLU + pad 9.9 ms against 5.6 ms for
// the three ATen ops on [1, 256, 64, 64]).
#pragma GCC optimize("O3")

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "ops_fused_norm.h"

#include "convert.h"
#include "fused_norm_channels_last.h"
#include "onednn_conv.h"
#include "reflect_index.h"
#include "register.h"

namespace {

// The memory format a result keeps: channels-last inputs (the ResNet generator's inner layers under bfloat16
// convolutions) are computed channels-last (fused_norm_channels_last.cc), everything else contiguous.
at::MemoryFormat FormatOf(const at::Tensor& x) { return IsChannelsLast(x) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous; }

// Reflection borders of a padded plane whose centre is written: the p columns either side of one row's w
// centre values (`row` points at the first of them), and the p rows above and below the h centre rows.
inline void MirrorColumns(float* row, int64_t w, int64_t p) {
  for (int64_t k = 1; k <= p; k++) {
    row[-k] = row[k];
    row[w - 1 + k] = row[w - 1 - k];
  }
}

inline void MirrorRows(float* dst, int64_t h, int64_t w, int64_t p) {
  const int64_t pw = w + 2 * p;
  for (int64_t k = 1; k <= p; k++) {
    std::copy_n(dst + (p + k) * pw, pw, dst + (p - k) * pw);
    std::copy_n(dst + (p + h - 1 - k) * pw, pw, dst + (p + h - 1 + k) * pw);
  }
}

// One [H, W] plane: normalise with its own mean and (biased) variance, optionally clamp at zero, and
// write it into the centre of a [H + 2p, W + 2p] plane whose borders mirror it (reflection, no edge repeat).
// __restrict__ spares the vectorised loops a runtime aliasing check.
// The plane's scale (1 / standard deviation) and shift (-mean * scale) are returned for the backward.
std::pair<float, float> NormalisePlane(const float* __restrict__ src, float* __restrict__ dst, int64_t h, int64_t w, int64_t p, double eps, bool relu) {
  const int64_t n = h * w;
  // Statistics of (x - pivot), with the first element as pivot, so the variance keeps its digits when
  // the mean is large against the spread. Eight float lanes (one vector register) sum each row; rows
  // add up in double. Plain double accumulators ran serially, and the kernel did not beat ATen.
  const float pivot = src[0];
  double sum = 0, squares = 0;
  for (int64_t start = 0; start < n; start += w) {
    float laneSum[8] = {0, 0, 0, 0, 0, 0, 0, 0}, laneSquares[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t end = std::min(n, start + w);
    int64_t i = start;
    for (; i + 8 <= end; i += 8) {
      for (int k = 0; k < 8; k++) {
        const float d = src[i + k] - pivot;
        laneSum[k] += d;
        laneSquares[k] += d * d;
      }
    }
    for (; i < end; i++) {
      const float d = src[i] - pivot;
      laneSum[0] += d;
      laneSquares[0] += d * d;
    }
    for (int k = 0; k < 8; k++) {
      sum += laneSum[k];
      squares += laneSquares[k];
    }
  }
  const double shiftedMean = sum / static_cast<double>(n);
  const double mean = pivot + shiftedMean;
  const double variance = std::max(0.0, squares / static_cast<double>(n) - shiftedMean * shiftedMean);
  const float scale = static_cast<float>(1.0 / std::sqrt(variance + eps));
  const float shift = static_cast<float>(-mean) * scale;
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) {
    const float* __restrict__ in = src + r * w;
    float* __restrict__ out = dst + (r + p) * pw + p;
    if (relu) {
      // A select that maps onto maxps.
      for (int64_t c = 0; c < w; c++) {
        const float v = in[c] * scale + shift;
        out[c] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (int64_t c = 0; c < w; c++) out[c] = in[c] * scale + shift;
    }
    MirrorColumns(out, w, p);
  }
  MirrorRows(dst, h, w, p);
  return {scale, shift};
}

// Sums of a and of a * b over n floats: eight float lanes per run of up to `run` elements, runs added in double.
std::pair<double, double> SumAndDot(const float* __restrict__ a, const float* __restrict__ b, int64_t n, int64_t run) {
  double sum = 0, dot = 0;
  for (int64_t start = 0; start < n; start += run) {
    float laneSum[8] = {0, 0, 0, 0, 0, 0, 0, 0}, laneDot[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const int64_t end = std::min(n, start + run);
    int64_t i = start;
    for (; i + 8 <= end; i += 8) {
      for (int k = 0; k < 8; k++) {
        laneSum[k] += a[i + k];
        laneDot[k] += a[i + k] * b[i + k];
      }
    }
    for (; i < end; i++) {
      laneSum[0] += a[i];
      laneDot[0] += a[i] * b[i];
    }
    for (int k = 0; k < 8; k++) {
      sum += laneSum[k];
      dot += laneDot[k];
    }
  }
  return {sum, dot};
}

// g [H, W] = reflection_pad2d_backward(gradOut [H + 2p, W + 2p]) for one plane: the centre, then each border
// cell added onto the cell it mirrors.
void FoldPadding(const float* __restrict__ gradOut, float* __restrict__ g, int64_t h, int64_t w, int64_t p) {
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) std::copy_n(gradOut + (r + p) * pw + p, w, g + r * w);
  for (int64_t i = 0; i < h + 2 * p; i++) {
    const float* row = gradOut + i * pw;
    float* target = g + ReflectIndex(i, p, h) * w;
    if (i < p || i >= p + h) {
      for (int64_t c = 0; c < w; c++) target[c] += row[p + c];
    }
    for (int64_t j = 0; j < p; j++) target[ReflectIndex(j, p, w)] += row[j];
    for (int64_t j = p + w; j < w + 2 * p; j++) target[ReflectIndex(j, p, w)] += row[j];
  }
}

// dst [H + 2p, W + 2p] = reflection_pad2d(src [H, W]) for one plane.
void PadPlane(const float* __restrict__ src, float* __restrict__ dst, int64_t h, int64_t w, int64_t p) {
  const int64_t pw = w + 2 * p;
  for (int64_t r = 0; r < h; r++) {
    float* out = dst + (r + p) * pw + p;
    std::copy_n(src + r * w, w, out);
    MirrorColumns(out, w, p);
  }
  MirrorRows(dst, h, w, p);
}

// Reflection padding alone, by the same plane loops. It pads each ResNet block's input and the image.
// Forward + backward (with a product and sum around them), 1 thread, against ATen 1.13's ops: [1, 256, 32, 32]
// pad 1 0.9 against 2.4-2.7 ms, [1, 256, 64, 64] pad 1 2.3-2.5 against 8.2-10 ms.
struct ReflectionPadFunction : public torch::autograd::Function<ReflectionPadFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, int64_t p) {
    const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor out = at::empty({x.size(0), x.size(1), h + 2 * p, w + 2 * p}, x.options().memory_format(FormatOf(x)));
    const float* src = x.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    const bool channelsLast = IsChannelsLast(x);
    ctx->saved_data["pad"] = p;
    ctx->saved_data["channelsLast"] = channelsLast;
    if (channelsLast) {
      ReflectionPadChannelsLast(src, dst, x.size(0), h, w, x.size(1), p);
      return out;
    }
    const int64_t planeIn = h * w, planeOut = (h + 2 * p) * (w + 2 * p);
    at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) PadPlane(src + i * planeIn, dst + i * planeOut, h, w, p);
    });
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const int64_t p = ctx->saved_data["pad"].toInt();
    const auto format = ctx->saved_data["channelsLast"].toBool() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    const at::Tensor gradOut = grads[0].contiguous(format);
    const int64_t h = gradOut.size(2) - 2 * p, w = gradOut.size(3) - 2 * p, planes = gradOut.size(0) * gradOut.size(1);
    at::Tensor gradIn = at::empty({gradOut.size(0), gradOut.size(1), h, w}, gradOut.options().memory_format(format));
    const float* go = gradOut.data_ptr<float>();
    float* gi = gradIn.data_ptr<float>();
    if (format == at::MemoryFormat::ChannelsLast) {
      ReflectionPadChannelsLastBackward(go, gi, gradOut.size(0), h, w, gradOut.size(1), p);
      return {gradIn, at::Tensor()};
    }
    const int64_t planeIn = h * w, planeOut = (h + 2 * p) * (w + 2 * p);
    at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) FoldPadding(go + i * planeOut, gi + i * planeIn, h, w, p);
    });
    return {gradIn, at::Tensor()};
  }
};

// The backward of NormalisePlane for one plane. gradOut is the [H + 2p, W + 2p] gradient of the padded
// output, src the plane's input; writes the input's gradient to gradIn. scratch holds 2 H W floats.
//   fold:  g = reflection_pad2d_backward(gradOut)   (each border cell added onto the cell it mirrors)
//   ReLU:  g = y > 0 ? g : 0, with y = src * scale + shift computed exactly as the forward did
//   norm:  gradIn = scale * (g - mean(g) - y * mean(g * y))   (affine-free, biased variance)
void NormalisePlaneBackward(const float* __restrict__ gradOut, const float* __restrict__ src, float* __restrict__ gradIn,
                            float* __restrict__ scratch, int64_t h, int64_t w, int64_t p, float scale, float shift, bool relu) {
  const int64_t n = h * w;
  float* __restrict__ g = scratch;
  float* __restrict__ y = scratch + n;
  // Without padding and ReLU the gradient is read where it lies; otherwise it is folded or masked into g.
  const float* gradRelu = gradOut;
  if (p > 0) {
    FoldPadding(gradOut, g, h, w, p);
    gradRelu = g;
  }
  for (int64_t i = 0; i < n; i++) y[i] = src[i] * scale + shift;
  if (relu) {
    for (int64_t i = 0; i < n; i++) {
      const float v = gradRelu[i];  // loaded unconditionally, so the mask is a select the vectoriser takes
      g[i] = y[i] > 0.0f ? v : 0.0f;
    }
  }
  const float* gradNorm = relu ? g : gradRelu;
  const auto [sum, dot] = SumAndDot(gradNorm, y, n, w);
  const float meanG = static_cast<float>(sum / static_cast<double>(n));
  const float meanGY = static_cast<float>(dot / static_cast<double>(n));
  for (int64_t i = 0; i < n; i++) gradIn[i] = scale * (gradNorm[i] - meanG - y[i] * meanGY);
}

// relu?(instance_norm(x)) reflection-padded by p, differentiable in x. Saves x and each plane's
// [scale, shift]; nothing else of the forward is kept.
// The forward for a contiguous or channels-last x (kept in its format); stats [N C, 2] receives each plane's
// [scale, shift].
at::Tensor NormReluPad(const at::Tensor& x, double eps, bool relu, int64_t p, at::Tensor& stats) {
  const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
  at::Tensor out = at::empty({x.size(0), x.size(1), h + 2 * p, w + 2 * p}, x.options().memory_format(FormatOf(x)));
  stats = at::empty({planes, 2}, x.options().memory_format(at::MemoryFormat::Contiguous));
  const float* src = x.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  float* st = stats.data_ptr<float>();
  if (IsChannelsLast(x)) {
    NormReluPadChannelsLast(src, dst, st, x.size(0), h, w, x.size(1), p, eps, relu);
    return out;
  }
  const int64_t planeIn = h * w, planeOut = (h + 2 * p) * (w + 2 * p);
  at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const auto [scale, shift] = NormalisePlane(src + i * planeIn, dst + i * planeOut, h, w, p, eps, relu);
      st[2 * i] = scale;
      st[2 * i + 1] = shift;
    }
  });
  return out;
}

struct NormReluPadFunction : public torch::autograd::Function<NormReluPadFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, double eps, bool relu, int64_t p) {
    at::Tensor stats;
    at::Tensor out = NormReluPad(x, eps, relu, p, stats);
    ctx->save_for_backward({x});
    ctx->saved_data["stats"] = stats;
    ctx->saved_data["relu"] = relu;
    ctx->saved_data["pad"] = p;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const at::Tensor x = ctx->get_saved_variables()[0];
    const at::Tensor stats = ctx->saved_data["stats"].toTensor();
    const bool relu = ctx->saved_data["relu"].toBool();
    const int64_t p = ctx->saved_data["pad"].toInt();
    const auto format = FormatOf(x);
    const at::Tensor gradOut = grads[0].contiguous(format);
    const int64_t planes = x.size(0) * x.size(1), h = x.size(2), w = x.size(3);
    at::Tensor gradIn = at::empty_like(x, format);
    const float* go = gradOut.data_ptr<float>();
    const float* src = x.data_ptr<float>();
    const float* st = stats.data_ptr<float>();
    float* gi = gradIn.data_ptr<float>();
    if (format == at::MemoryFormat::ChannelsLast) {
      NormReluPadChannelsLastBackward(go, src, st, gi, x.size(0), h, w, x.size(1), p, relu);
      return {gradIn, at::Tensor(), at::Tensor(), at::Tensor()};
    }
    const int64_t planeIn = h * w, planeOut = (h + 2 * p) * (w + 2 * p);
    at::parallel_for(0, planes, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> scratch(2 * planeIn);
      for (int64_t i = begin; i < end; i++) {
        NormalisePlaneBackward(go + i * planeOut, src + i * planeIn, gi + i * planeIn, scratch.data(), h, w, p, st[2 * i], st[2 * i + 1], relu);
      }
    });
    return {gradIn, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// instanceNormReluPad(x, eps, relu, pad): x is [N, C, H, W] float32 on the CPU; returns
// [N, C, H + 2 pad, W + 2 pad] = reflection_pad2d(relu?(instance_norm(x)), pad); differentiable when
// gradients are on and x requires one.
Napi::Value InstanceNormReluPad(const Napi::CallbackInfo& info) {
  const at::Tensor& given = ArgTensor(info, 0, "input");
  const at::Tensor x = IsChannelsLast(given) ? given : given.contiguous();
  const double eps = ArgNumber(info, 1, "eps");
  const bool relu = ArgBool(info, 2, "relu");
  const int64_t p = static_cast<int64_t>(ArgNumber(info, 3, "pad"));
  TORCH_CHECK(x.dim() == 4 && x.scalar_type() == at::kFloat && x.device().is_cpu(),
              "instanceNormReluPad expects a 4-D float32 CPU tensor, got ", x.sizes(), " ", x.scalar_type(), " on ", x.device());
  const int64_t h = x.size(2), w = x.size(3);
  TORCH_CHECK(p >= 0 && p < h && p < w, "reflection padding ", p, " must be smaller than the input's height and width (", h, "x", w, ")");
  if (at::GradMode::is_enabled() && x.requires_grad()) return Out(info, NormReluPadFunction::apply(x, eps, relu, p));
  at::Tensor stats;  // [N C, 2] floats: nothing against the output's size
  return Out(info, NormReluPad(x, eps, relu, p, stats));
}

}  // namespace

at::Tensor MaybeReflectionPad(const at::Tensor& x, at::IntArrayRef pads) {
  if (pads.size() != 4 || pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3]) return at::Tensor();
  if (x.dim() != 4 || x.scalar_type() != at::kFloat || !x.device().is_cpu() || !(x.is_contiguous() || IsChannelsLast(x))) return at::Tensor();
  const int64_t p = pads[0];
  if (p <= 0 || p >= x.size(2) || p >= x.size(3)) return at::Tensor();  // ATen's op gives the error message
  return ReflectionPadFunction::apply(x, p);
}

void RegisterFusedNorm(Napi::Env env, Napi::Object exports) { Export<InstanceNormReluPad>(env, exports, "instanceNormReluPad"); }
