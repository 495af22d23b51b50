// Convolutions with few output channels and a large kernel, as one matrix product and a sum of shifted planes.
//
// oneDNN's direct kernels vectorise over output channels, so with 3 of them most of each vector is wasted: the
// generator's last convolution (64 -> 3 channels, 7x7) ran at 4 GFLOPS here, 217 ms of a 128 px step on one thread
// (forward and both backward passes, 6 calls; Intel Xeon with AMX). Written as
//   taps[n, o*k*k + i*k + j, y, x] = sum_c w[o, c, i, j] * x[n, c, y, x]       (a matrix product: 147 x 64 by 64 x HW)
//   out[n, o, y, x]                = sum_{i,j} taps[n, o*k*k + i*k + j, y + i, x + j]
// the arithmetic is three matrix products (oneDNN's sgemm, on x as it lies: no layout conversion) and the sums only
// read memory. The products compute taps over the whole input, (H/(H-k+1))^2 more than needed: 10% at 128 px.
// Measured for that convolution at 128 px, forward and backward, 1 thread: 56 ms through libtorch, 18 ms this way.
#include "narrow_conv.h"

#include <ATen/Parallel.h>

#include <cstring>

#include "direct_conv.h"
#include "onednn_conv.h"

#ifndef CYCLEGAN_ONEDNN

at::Tensor MaybeNarrowConv2d(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, int64_t) {
  return at::Tensor();
}

#else

#include <torch/csrc/autograd/custom_function.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>

namespace {

// Row-major C[m x n] = A[m x k] * B[k x n] (+ C when accumulate), with A or B read transposed when asked.
void Gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c, bool accumulate) {
  const auto status = dnnl::sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, a, transA ? m : k, b, transB ? k : n, accumulate ? 1.0f : 0.0f, c, n);
  if (status != dnnl::status::success) throw std::runtime_error("oneDNN sgemm failed");
}

// out[o] = sum over taps (i, j) of taps[o*k*k + i*k + j] shifted up by i and left by j, for one sample.
void SumTaps(const float* taps, float* out, int64_t o, int64_t k, int64_t h, int64_t w) {
  const int64_t oh = h - k + 1, ow = w - k + 1;
  at::parallel_for(0, o * oh, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t channel = row / oh, y = row % oh;
      float* d = out + row * ow;
      std::memset(d, 0, sizeof(float) * ow);
      for (int64_t i = 0; i < k; ++i) {
        for (int64_t j = 0; j < k; ++j) {
          const float* s = taps + ((channel * k * k + i * k + j) * h + y + i) * w + j;
          for (int64_t x = 0; x < ow; ++x) d[x] += s[x];
        }
      }
    }
  });
}

// The adjoint of SumTaps: each tap plane is the output gradient shifted down by i and right by j, zeros elsewhere.
void SpreadTaps(const float* grad, float* taps, int64_t o, int64_t k, int64_t h, int64_t w) {
  const int64_t oh = h - k + 1, ow = w - k + 1;
  at::parallel_for(0, o * k * k, 1, [&](int64_t begin, int64_t end) {
    for (int64_t tap = begin; tap < end; ++tap) {
      const int64_t channel = tap / (k * k), i = (tap % (k * k)) / k, j = tap % k;
      float* d = taps + tap * h * w;
      std::memset(d, 0, sizeof(float) * h * w);
      for (int64_t y = 0; y < oh; ++y) std::memcpy(d + (y + i) * w + j, grad + (channel * oh + y) * ow, sizeof(float) * ow);
    }
  });
}

struct NarrowConvFunction : public torch::autograd::Function<NarrowConvFunction> {
  // x [n, c, h, w] contiguous; tapWeights [o*k*k, c] contiguous, row o*k*k + i*k + j holding w[o, :, i, j].
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& tapWeights, int64_t k) {
    const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), taps = tapWeights.size(0), o = taps / (k * k);
    ctx->save_for_backward({x, tapWeights});
    ctx->saved_data["k"] = k;
    at::Tensor out = at::empty({n, o, h - k + 1, w - k + 1}, x.options());
    at::Tensor planes = at::empty({taps, h, w}, x.options());
    for (int64_t s = 0; s < n; ++s) {
      Gemm(false, false, taps, h * w, c, tapWeights.data_ptr<float>(), x[s].data_ptr<float>(), planes.data_ptr<float>(), false);
      SumTaps(planes.data_ptr<float>(), out[s].data_ptr<float>(), o, k, h, w);
    }
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& tapWeights = saved[1];
    const int64_t k = ctx->saved_data["k"].toInt();
    const at::Tensor g = grads[0].contiguous();
    const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3), taps = tapWeights.size(0), o = taps / (k * k);
    const bool inputGrad = ctx->needs_input_grad(0), weightGrad = ctx->needs_input_grad(1);
    at::Tensor gx = inputGrad ? at::empty_like(x) : at::Tensor();
    at::Tensor gw = weightGrad ? at::empty_like(tapWeights) : at::Tensor();
    at::Tensor planes = at::empty({taps, h, w}, x.options());
    for (int64_t s = 0; s < n; ++s) {
      SpreadTaps(g[s].data_ptr<float>(), planes.data_ptr<float>(), o, k, h, w);
      // gx[c, hw] = tapWeights^T [c, taps] * planes [taps, hw]; gw[taps, c] += planes [taps, hw] * x^T [hw, c]
      if (inputGrad) Gemm(true, false, c, h * w, taps, tapWeights.data_ptr<float>(), planes.data_ptr<float>(), gx[s].data_ptr<float>(), false);
      if (weightGrad) Gemm(false, true, taps, c, h * w, planes.data_ptr<float>(), x[s].data_ptr<float>(), gw.data_ptr<float>(), s > 0);
    }
    return {gx, gw, at::Tensor()};
  }
};

}  // namespace

at::Tensor MaybeNarrowConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (!DirectConvEnabled() || !OnednnConvApplies(x, w, bias, stride, padding, dilation, groups)) return at::Tensor();
  if (!AllEqual(stride, 1) || !AllEqual(padding, 0) || w.size(2) != w.size(3) || !x.is_contiguous()) return at::Tensor();
  const int64_t o = w.size(0), c = w.size(1), k = w.size(2);
  if (o > 4 || k < 3 || c < 16 || x.size(2) < k || x.size(3) < k) return at::Tensor();
  // [o, c, i, j] -> [o*k*k + i*k + j, c]: differentiable, so the weight's gradient flows back through it.
  const at::Tensor tapWeights = w.permute({0, 2, 3, 1}).reshape({o * k * k, c}).contiguous();
  at::Tensor out = NarrowConvFunction::apply(x, tapWeights, k);
  if (bias) out = out + bias->view({1, o, 1, 1});
  return out;
}

#endif
