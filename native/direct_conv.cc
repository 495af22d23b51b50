// Direct convolutions through oneDNN called by the addon itself: every float32 convolution Winograd does not take,
// and every bfloat16 one (`--precision bf16` runs the convolutions the model does not keep float32 in bfloat16:
// src/model/conv_precision.ts).
//
// In float32 these are the kernels libtorch calls, with the same conversions; routing them here keeps one path for
// both precisions, and narrow_conv.cc builds on it.
//
// For bfloat16, libtorch's way (the engine's fallback) casts x to bfloat16 channels-last, convolves, casts the output
// back to float32 contiguous, and does the same for every gradient: four dtype-and-layout copies per convolution and
// pass, plus ideep's own reorders inside. Measured here for one ResNet-block convolution (256 channels, 34x34 in,
// 1 thread, forward + both backward passes, Intel Xeon with AMX): libtorch 10.3 ms, oneDNN directly 5.2 ms, of which
// the reorders that cast and change layout in one pass are 1.6 ms. The forward writes float32 directly and the weight
// gradient is accumulated in float32, so the result is closer to float32 than libtorch's, which rounds both to
// bfloat16. Each weight's bfloat16 conversions are made once per optimizer phase (onednn_conv.h, BeginWeightCache):
// a CycleGAN step runs each generator three times and each discriminator twice with the same weights.
#include "direct_conv.h"

#include <cstdlib>
#include <cstring>

#include "onednn_conv.h"

namespace {
bool directConvOn = [] {
  const char* setting = std::getenv("CYCLEGAN_ONEDNN_DIRECT");
  return !(setting && std::strcmp(setting, "0") == 0);
}();
}  // namespace

bool DirectConvEnabled() { return OnednnBuilt() && directConvOn; }
void SetDirectConvEnabled(bool enabled) { directConvOn = enabled; }
size_t DirectConvPlans() { return OnednnConvPlans(OnednnConvKind::kF32) + OnednnConvPlans(OnednnConvKind::kBf16); }

at::Tensor MaybeDirectConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                             at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups, bool bf16) {
  if (!DirectConvEnabled() || !OnednnConvApplies(x, w, bias, stride, padding, dilation, groups)) return at::Tensor();
  return OnednnConv2d(bf16 ? OnednnConvKind::kBf16 : OnednnConvKind::kF32, x, w, bias, stride, padding);
}
