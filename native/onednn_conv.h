// Convolutions that call oneDNN directly, with their own forward and backward (onednn_conv.cc), for the two cases
// where libtorch's own call into oneDNN costs us: Winograd 3x3 kernels (winograd_conv.cc) and bfloat16 compute on
// float32 tensors (bf16_conv.cc).
#pragma once
#include <ATen/ATen.h>

#include <cstddef>

enum class OnednnConvKind {
  // float32 throughout, oneDNN's Winograd F(4x4, 3x3) algorithm; 3x3, stride 1, no padding
  kWinograd,
  // float32 tensors in and out, bfloat16 arithmetic inside (direct algorithm): oneDNN's reorders cast and change
  // layout in one pass, and gradients come back in float32
  kBf16,
  // float32 throughout, direct algorithm: the convolutions neither of the above takes (the same kernels libtorch
  // calls, with the per-call overhead of ours)
  kF32,
};

// Whether the addon was built against the shared oneDNN 2.x that libtorch links (CYCLEGAN_ONEDNN).
bool OnednnBuilt();

// Whether conv2d(x, w, bias, stride, padding, dilation, groups) is one OnednnConv2d can run: 4-D float32 CPU x and w
// (w [out, in, kh, kw] with in = x's channels), a contiguous float32 bias, two strides, two paddings (height, width)
// or four (top, bottom, left, right), no dilation, one group. Each kind adds its own conditions (winograd_conv.cc, direct_conv.cc, narrow_conv.cc).
bool OnednnConvApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                       at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);

// Whether every value of `v` is `value`.
bool AllEqual(at::IntArrayRef v, int64_t value);

// conv2d(x, w, bias) with zero padding, no dilation and one group, as `kind`, for inputs OnednnConvApplies takes; an
// undefined tensor when this CPU has no oneDNN kernel for it (the caller then runs at::conv2d). An x neither
// contiguous nor channels-last (a slice) is copied first, into the format its strides suggest, as libtorch's own
// call does.
at::Tensor OnednnConv2d(OnednnConvKind kind, const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias,
                        at::IntArrayRef stride, at::IntArrayRef padding);

// Between these two calls, a leaf weight's conversions into the layouts the bfloat16 kernels want are made once and
// kept (keyed by tensor, layout and the tensor's version counter, so an in-place update is seen). The engine brackets
// each optimizer phase with them (src/engine/weight_cast_cache.ts): a CycleGAN step runs each generator three times
// and each discriminator twice with the same weights. EndWeightCache frees what was kept.
void BeginWeightCache();
void EndWeightCache();
size_t WeightCacheEntries();

// Shapes of `kind` with a plan kept (at most 32 of each kind; the least recently used goes first).
size_t OnednnConvPlans(OnednnConvKind kind);

// A contiguous channels-last tensor that is not also plainly contiguous (a 1x1 image can be both).
bool IsChannelsLast(const at::Tensor& x);

// Copies `from` into `to`, 4-D float32 CPU tensors of the same sizes, each contiguous or channels-last, by oneDNN's
// reorder: about ten times faster than ATen's copy between the two layouts (0.1 against 1.0 ms for [1, 256, 34,
// 34], 1 thread, Intel Xeon). False, copying nothing, where the addon has no oneDNN of its own.
bool OnednnRelayout(const at::Tensor& from, const at::Tensor& to);
