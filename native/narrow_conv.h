// Convolutions with few output channels and a large kernel (the generator's last, 64 -> 3 channels, 7x7) as a 1x1
// convolution to one channel per output channel and tap, then a sum of shifted planes (narrow_conv.cc).
#pragma once
#include <ATen/ATen.h>

// conv2d(x, w, bias, stride, padding, dilation, groups) computed that way, or an undefined tensor where it does not
// apply or would not pay (it needs stride 1, no padding, dilation or groups, at most 4 output channels, a kernel of
// 3 or more, 16 or more input channels, float32 on the CPU, and direct oneDNN convolutions: direct_conv.h).
at::Tensor MaybeNarrowConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups);
