// The last step of the generator's upsampling layers (src/engine/subpixel_transpose.ts): four output
// phases, each [N, C, H, W], interleaved into one [N, C, 2H, 2W] with out[2m + a, 2j + b] = phase_ab[m, j],
// and its backward, which splits the output's gradient into the four phases again.
//
// As ATen ops this was two stacks along a new last dimension and one along the rows, each followed by a
// reshape: a stack whose pieces are one float wide runs cat's element-by-element path, 40 ms of a 128 px
// bfloat16 step on one thread (aten-level profile, Intel Xeon), and its backward handed the convolutions
// strided gradients that were copied once more. Here one pass writes each output row pair, and one pass
// writes the four contiguous phase gradients. Channels-last phases (the generator's activations under bfloat16
// convolutions) give a channels-last output: each pixel's channels move as one run.
#pragma GCC optimize("O3")  // the interleaving loops need the vectoriser, which the addon's -O2 leaves off

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <array>

#include "convert.h"
#include "onednn_conv.h"
#include "register.h"

namespace {

// Two rows of the output (2m and 2m + 1) from row m of each phase; `w` is a phase's width.
inline void InterleaveRows(const float* __restrict__ p00, const float* __restrict__ p01, const float* __restrict__ p10, const float* __restrict__ p11,
                           float* __restrict__ even, float* __restrict__ odd, int64_t w) {
  for (int64_t j = 0; j < w; j++) {
    even[2 * j] = p00[j];
    even[2 * j + 1] = p01[j];
  }
  for (int64_t j = 0; j < w; j++) {
    odd[2 * j] = p10[j];
    odd[2 * j + 1] = p11[j];
  }
}

// The inverse: row m of each phase from output rows 2m and 2m + 1.
inline void SplitRows(const float* __restrict__ even, const float* __restrict__ odd, float* __restrict__ p00, float* __restrict__ p01, float* __restrict__ p10,
                      float* __restrict__ p11, int64_t w) {
  for (int64_t j = 0; j < w; j++) {
    p00[j] = even[2 * j];
    p01[j] = even[2 * j + 1];
  }
  for (int64_t j = 0; j < w; j++) {
    p10[j] = odd[2 * j];
    p11[j] = odd[2 * j + 1];
  }
}

using Phases = std::array<at::Tensor, 4>;

// Channels-last: the same map with each "element" a pixel's `c` channels, rows of one sample split over threads.
template <class Pixels>
void ForEachRowChannelsLast(int64_t n, int64_t h, int64_t w, int64_t c, Pixels pixels) {
  at::parallel_for(0, n * h, 4, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t sample = r / h, m = r % h;
      // phase row r starts at r * w * c; output row 2m of the sample at (sample * 2h + 2m) * 2w * c
      pixels(r * w * c, (sample * 2 * h + 2 * m) * 2 * w * c);
    }
  });
}

at::Tensor InterleaveChannelsLast(const Phases& p) {
  const int64_t n = p[0].size(0), c = p[0].size(1), h = p[0].size(2), w = p[0].size(3);
  at::Tensor out = at::empty({n, c, 2 * h, 2 * w}, p[0].options().memory_format(at::MemoryFormat::ChannelsLast));
  const float *a = p[0].data_ptr<float>(), *b = p[1].data_ptr<float>(), *d = p[2].data_ptr<float>(), *e = p[3].data_ptr<float>();
  float* o = out.data_ptr<float>();
  ForEachRowChannelsLast(n, h, w, c, [&](int64_t phaseRow, int64_t outRow) {
    float* even = o + outRow;
    float* odd = even + 2 * w * c;
    for (int64_t j = 0; j < w; j++) {
      std::copy_n(a + phaseRow + j * c, c, even + 2 * j * c);
      std::copy_n(b + phaseRow + j * c, c, even + (2 * j + 1) * c);
      std::copy_n(d + phaseRow + j * c, c, odd + 2 * j * c);
      std::copy_n(e + phaseRow + j * c, c, odd + (2 * j + 1) * c);
    }
  });
  return out;
}

Phases SplitChannelsLast(const at::Tensor& g, int64_t h, int64_t w) {
  const int64_t n = g.size(0), c = g.size(1);
  Phases p;
  for (auto& t : p) t = at::empty({n, c, h, w}, g.options().memory_format(at::MemoryFormat::ChannelsLast));
  const float* src = g.data_ptr<float>();
  float *a = p[0].data_ptr<float>(), *b = p[1].data_ptr<float>(), *d = p[2].data_ptr<float>(), *e = p[3].data_ptr<float>();
  ForEachRowChannelsLast(n, h, w, c, [&](int64_t phaseRow, int64_t outRow) {
    const float* even = src + outRow;
    const float* odd = even + 2 * w * c;
    for (int64_t j = 0; j < w; j++) {
      std::copy_n(even + 2 * j * c, c, a + phaseRow + j * c);
      std::copy_n(even + (2 * j + 1) * c, c, b + phaseRow + j * c);
      std::copy_n(odd + 2 * j * c, c, d + phaseRow + j * c);
      std::copy_n(odd + (2 * j + 1) * c, c, e + phaseRow + j * c);
    }
  });
  return p;
}

// Runs `rows(m, phaseRow, outRow)` for every phase row: `phaseRow` offsets a phase ([N, C, H, W]), `outRow`
// the output's row 2m of the same plane. Rows are split over threads.
template <class Rows>
void ForEachRow(int64_t planes, int64_t h, int64_t w, Rows rows) {
  at::parallel_for(0, planes * h, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const int64_t plane = r / h, m = r % h;
      rows(r * w, plane * 4 * h * w + 2 * m * 2 * w);
    }
  });
}

at::Tensor Interleave(const Phases& p) {
  const int64_t n = p[0].size(0), c = p[0].size(1), h = p[0].size(2), w = p[0].size(3);
  at::Tensor out = at::empty({n, c, 2 * h, 2 * w}, p[0].options());
  const float *a = p[0].data_ptr<float>(), *b = p[1].data_ptr<float>(), *d = p[2].data_ptr<float>(), *e = p[3].data_ptr<float>();
  float* o = out.data_ptr<float>();
  ForEachRow(n * c, h, w, [&](int64_t phaseRow, int64_t outRow) {
    InterleaveRows(a + phaseRow, b + phaseRow, d + phaseRow, e + phaseRow, o + outRow, o + outRow + 2 * w, w);
  });
  return out;
}

Phases Split(const at::Tensor& g, int64_t h, int64_t w) {
  const int64_t n = g.size(0), c = g.size(1);
  Phases p;
  for (auto& t : p) t = at::empty({n, c, h, w}, g.options());
  const float* src = g.data_ptr<float>();
  float *a = p[0].data_ptr<float>(), *b = p[1].data_ptr<float>(), *d = p[2].data_ptr<float>(), *e = p[3].data_ptr<float>();
  ForEachRow(n * c, h, w, [&](int64_t phaseRow, int64_t outRow) {
    SplitRows(src + outRow, src + outRow + 2 * w, a + phaseRow, b + phaseRow, d + phaseRow, e + phaseRow, w);
  });
  return p;
}

struct InterleaveFunction : public torch::autograd::Function<InterleaveFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& p00, const at::Tensor& p01, const at::Tensor& p10,
                            const at::Tensor& p11) {
    ctx->saved_data["h"] = p00.size(2);
    ctx->saved_data["w"] = p00.size(3);
    const bool channelsLast = IsChannelsLast(p00);
    ctx->saved_data["channelsLast"] = channelsLast;
    return channelsLast ? InterleaveChannelsLast({p00, p01, p10, p11}) : Interleave({p00, p01, p10, p11});
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const int64_t h = ctx->saved_data["h"].toInt(), w = ctx->saved_data["w"].toInt();
    Phases p = ctx->saved_data["channelsLast"].toBool() ? SplitChannelsLast(grads[0].contiguous(at::MemoryFormat::ChannelsLast), h, w)
                                                         : Split(grads[0].contiguous(), h, w);
    return {p[0], p[1], p[2], p[3]};
  }
};

// interleavePhases([p00, p01, p10, p11]): four [N, C, H, W] float32 CPU tensors of one shape; returns
// [N, C, 2H, 2W] with out[., ., 2m + a, 2j + b] = p_ab[., ., m, j], differentiable in each phase.
Napi::Value InterleavePhases(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> given = ArgTensors(info, 0, "phases");
  TORCH_CHECK(given.size() == 4, "interleavePhases expects 4 phases, got ", given.size());
  const at::Tensor& first = given[0];
  TORCH_CHECK(first.dim() == 4 && first.scalar_type() == at::kFloat && first.device().is_cpu(),
              "interleavePhases expects 4-D float32 CPU tensors, got ", first.sizes(), " ", first.scalar_type(), " on ", first.device());
  // All four in the first one's format: channels-last if it is, else contiguous.
  const auto format = IsChannelsLast(first) ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  for (auto& t : given) {
    TORCH_CHECK(t.sizes() == first.sizes() && t.scalar_type() == at::kFloat && t.device().is_cpu(), "interleavePhases: every phase must have the shape ",
                first.sizes(), " and be float32 on the CPU; got ", t.sizes(), " ", t.scalar_type(), " on ", t.device());
    t = t.contiguous(format);
  }
  return Out(info, InterleaveFunction::apply(given[0], given[1], given[2], given[3]));
}

}  // namespace

void RegisterInterleave(Napi::Env env, Napi::Object exports) { Export<InterleavePhases>(env, exports, "interleavePhases"); }
