// Winograd 3x3 convolutions through oneDNN, for the shapes where they pay (winograd_conv.cc).
#pragma once
#include <ATen/ATen.h>

// Whether this build can run Winograd convolutions at all (built against a shared oneDNN 2.x, the one libtorch
// links) and the process has not switched them off (SetWinogradEnabled, CYCLEGAN_WINOGRAD=0).
bool WinogradEnabled();
void SetWinogradEnabled(bool enabled);
bool WinogradBuilt();
// Shapes with a Winograd plan kept (at most 32; the least recently used goes first).
size_t WinogradPlans();

// conv2d(x, w, bias, stride, padding, dilation, groups) as a Winograd F(4x4, 3x3) convolution with its own forward
// and backward, or an undefined tensor when it is not one where Winograd pays (it needs stride 1, no padding, no
// dilation, one group) or this CPU has no Winograd kernel; then the caller runs at::conv2d.
at::Tensor MaybeWinogradConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                               at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);
