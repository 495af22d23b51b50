// Reflection padding by the plane loops of the fused instance norm (ops_fused_norm.cc), with its backward.
#pragma once
#include <ATen/ATen.h>

// reflection_pad2d(x, pads) computed that way, or an undefined tensor where it does not apply (it needs the same pad
// on all four sides, smaller than the height and width, and a contiguous or channels-last 4-D float32 tensor on the
// CPU; the result keeps the format).
at::Tensor MaybeReflectionPad(const at::Tensor& x, at::IntArrayRef pads);
