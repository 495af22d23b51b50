// Direct convolutions through oneDNN called by the addon itself, float32 or bfloat16 arithmetic on float32 tensors
// (direct_conv.cc).
#pragma once
#include <ATen/ATen.h>

// Whether this build can run them (built against the shared oneDNN 2.x that libtorch links) and the process has not
// switched them off (SetDirectConvEnabled, CYCLEGAN_ONEDNN_DIRECT=0): then libtorch convolves, and the engine makes
// its own bfloat16 casts.
bool DirectConvEnabled();
void SetDirectConvEnabled(bool enabled);
// Shapes with a plan kept, float32 and bfloat16 together (at most 32 of each; the least recently used goes first).
size_t DirectConvPlans();

// conv2d(x, w, bias, stride, padding, dilation, groups) from float32 x, w and bias, computed in bfloat16 when `bf16`,
// returning a float32 result in x's layout; or an undefined tensor where this path does not apply (dilation, groups,
// a non-float32 or non-CPU input, no kernel on this CPU): then the caller runs at::conv2d.
at::Tensor MaybeDirectConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups, bool bf16);
