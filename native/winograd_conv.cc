// Winograd convolutions: oneDNN's F(4x4, 3x3) kernels for the unstrided 3x3 convolutions of the ResNet blocks.
//
// libtorch always asks oneDNN for direct convolutions. For a 3x3 kernel Winograd does the same work with about
// half the multiplications, and oneDNN 2.x has it for AVX-512 CPUs, forward and both backward passes. Measured
// here (Intel Xeon with AMX, 2.x GHz; forward + backward data + backward weights, oneDNN alone):
//   256 channels, 32x32 out: 43.3 -> 22.7 ms on 1 thread, 12.2 -> 7.7 ms on 2 threads
//   256 channels, 64x64 out: 91.5 -> 44.2 ms on 1 thread, 49.0 -> 25.7 ms on 2 threads
//   128 channels, 16x16 out:  2.9 ->  2.8 ms on 1 thread,  0.7 ->  1.2 ms on 2 threads
//    64 channels,  8x8 out:  0.16 -> 0.56 ms on 1 thread
// so it is used from 32x32 outputs and 64 channels up (kMinOutputPixels, kMinChannels). The arithmetic differs
// from a direct convolution by rounding only (test/engine/winograd_conv.test.ts holds it to PyTorch within 1e-4
// relative, forward and backward).
//
// oneDNN is called directly (onednn_conv.cc), through the same shared libdnnl.so.2 that libtorch links: only Debian's
// libtorch (and any other build against a shared oneDNN 2.x) has one. Elsewhere (pip wheels link oneDNN statically;
// oneDNN 3 dropped Winograd on x64) the addon is built without CYCLEGAN_ONEDNN and every convolution is libtorch's.
#include "winograd_conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "onednn_conv.h"

namespace {

constexpr int64_t kMinOutputPixels = 32 * 32;
constexpr int64_t kMinChannels = 64;

bool winogradOn = [] {
  const char* setting = std::getenv("CYCLEGAN_WINOGRAD");
  return !(setting && std::strcmp(setting, "0") == 0);
}();

}  // namespace

bool WinogradBuilt() { return OnednnBuilt(); }
bool WinogradEnabled() { return WinogradBuilt() && winogradOn; }
void SetWinogradEnabled(bool enabled) { winogradOn = enabled; }
size_t WinogradPlans() { return OnednnConvPlans(OnednnConvKind::kWinograd); }

at::Tensor MaybeWinogradConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                               at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (!WinogradEnabled() || !OnednnConvApplies(x, w, bias, stride, padding, dilation, groups)) return at::Tensor();
  if (!AllEqual(stride, 1) || !AllEqual(padding, 0) || w.size(2) != 3 || w.size(3) != 3) return at::Tensor();
  const int64_t outPixels = (x.size(2) - 2) * (x.size(3) - 2);
  // oneDNN's Winograd kernels work on whole blocks of 16 channels.
  if (outPixels < kMinOutputPixels || std::min(x.size(1), w.size(0)) < kMinChannels || x.size(1) % 16 != 0 || w.size(0) % 16 != 0) return at::Tensor();
  return OnednnConv2d(OnednnConvKind::kWinograd, x, w, bias, stride, padding);
}
