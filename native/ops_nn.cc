// Neural-network ops: convolutions, instance norm, padding.
#include <ATen/Parallel.h>  // at::get_num_threads

#include <algorithm>

#include "convert.h"
#include "register.h"
#include "direct_conv.h"
#include "narrow_conv.h"
#include "ops_fused_norm.h"
#include "winograd_conv.h"

namespace {

// Input values up to which libtorch (1.13 and 2.x, ConvParams::use_mkldnn) sends a batch-1, single-group float32
// convolution whose kernel is 3 or less on a side to its own im2col + BLAS path instead of oneDNN ("for some case,
// native is faster").
constexpr int64_t kNativeConvLimit = 20480;

// conv2d(x, weight, bias?, stride[2], padding[2] or [4], dilation[2], groups)
//
// Where the addon is built with oneDNN (onednn_conv.h), a float32 convolution runs as the first of these that takes
// it: few output channels and a large kernel as a matrix product (narrow_conv.cc), Winograd (winograd_conv.cc), direct
// (direct_conv.cc). What none takes (dilation, groups, other dtypes and devices, builds without oneDNN) is libtorch's:
//
// A small batch-1 float32 convolution is run as a batch of two, the input and zeros, and the first output kept:
// libtorch then takes oneDNN for it, forward and backward (its convolution_backward applies the same rule, so
// calling at::mkldnn_convolution directly moved only the forward). Left alone, a 32 px CycleGAN's 8x8 bottleneck
// ran on the im2col path, whose OpenBLAS threads spin against libgomp's: 1.6 ms a call against 0.5 ms for the
// 4x larger 16x16 ones at 64 px, and a 32 px step (ngf 32, 2 threads) took 0.7-0.97 s against 0.18-0.24 s now.
// The zero image adds exact zeros to the weight and bias gradients. Larger inputs take oneDNN as before.
//
// Four paddings are top, bottom, left, right (the four-phase transposed convolution pads one side only): the direct
// oneDNN path takes them as they are; elsewhere x is zero-padded first.
at::Tensor Convolve(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, const std::vector<int64_t>& stride,
                    const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  if (padding.size() == 4) {
    at::Tensor direct = MaybeDirectConv2d(x, w, bias, stride, padding, dilation, groups, false);
    if (direct.defined()) return direct;
    return Convolve(at::constant_pad_nd(x, {padding[2], padding[3], padding[0], padding[1]}), w, bias, stride, {0, 0}, dilation, groups);
  }
  at::Tensor narrow = MaybeNarrowConv2d(x, w, bias, stride, padding, dilation, groups);
  if (narrow.defined()) return narrow;
  at::Tensor winograd = MaybeWinogradConv2d(x, w, bias, stride, padding, dilation, groups);
  if (winograd.defined()) return winograd;
  at::Tensor direct = MaybeDirectConv2d(x, w, bias, stride, padding, dilation, groups, false);
  if (direct.defined()) return direct;
  // Only where libtorch would not take oneDNN itself but takes it for a batch of two: kernels larger than 3x3 (the
  // 7x7 and 4x4 ones) already go there, and an unstrided 1x1 kernel on one thread stays on im2col either way.
  const auto ones = [](const std::vector<int64_t>& v) { return std::all_of(v.begin(), v.end(), [](int64_t e) { return e == 1; }); };
  const bool largeKernel = w.dim() == 4 && w.size(-1) > 3 && w.size(-2) > 3;
  const bool pointwiseOnOneThread = w.dim() == 4 && w.size(-1) == 1 && w.size(-2) == 1 && at::get_num_threads() == 1 && ones(stride) && ones(dilation);
  const bool small = x.dim() == 4 && x.numel() <= kNativeConvLimit && groups == 1 && !largeKernel && !pointwiseOnOneThread;
  if (small && x.size(0) == 1 && at::hasMKLDNN() && at::globalContext().userEnabledMkldnn() && x.device().is_cpu() &&
      !x.is_mkldnn() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat) {
    at::Tensor pair = at::cat({x, at::zeros_like(x)}, 0);
    return at::conv2d(pair, w, bias, stride, padding, dilation, groups).narrow(0, 0, 1);
  }
  return at::conv2d(x, w, bias, stride, padding, dilation, groups);
}

Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const std::vector<int64_t> padding = ArgInts(info, 4, "padding");
  if (padding.size() != 2 && padding.size() != 4) throw Napi::Error::New(info.Env(), "conv2d: padding takes 2 values (height, width) or 4 (top, bottom, left, right)");
  return Out(info, Convolve(ArgTensor(info, 0, "input"), ArgTensor(info, 1, "weight"), ArgOptTensor(info, 2, "bias"), ArgInts(info, 3, "stride"), padding,
                            ArgInts(info, 5, "dilation"), static_cast<int64_t>(ArgNumber(info, 6, "groups"))));
}

// conv2dBf16(x, weight, bias?, stride[2], padding[2] or [4], dilation[2], groups): the convolution computed in bfloat16
// from float32 tensors, float32 out (direct_conv.cc); null where that path does not apply, and the engine casts itself.
Napi::Value Conv2dBf16(const Napi::CallbackInfo& info) {
  at::Tensor y = MaybeDirectConv2d(ArgTensor(info, 0, "input"), ArgTensor(info, 1, "weight"), ArgOptTensor(info, 2, "bias"), ArgInts(info, 3, "stride"),
                                   ArgInts(info, 4, "padding"), ArgInts(info, 5, "dilation"), static_cast<int64_t>(ArgNumber(info, 6, "groups")), true);
  if (!y.defined()) return info.Env().Null();
  return Out(info, y);
}

// convTranspose2d(x, weight, bias?, stride[2], padding[2], outputPadding[2], groups, dilation[2])
Napi::Value ConvTranspose2d(const Napi::CallbackInfo& info) {
  return Out(info, at::conv_transpose2d(ArgTensor(info, 0, "input"), ArgTensor(info, 1, "weight"),
                                        ArgOptTensor(info, 2, "bias"), ArgInts(info, 3, "stride"),
                                        ArgInts(info, 4, "padding"), ArgInts(info, 5, "outputPadding"),
                                        static_cast<int64_t>(ArgNumber(info, 6, "groups")), ArgInts(info, 7, "dilation")));
}

// instanceNorm(x, weight?, bias?, eps): statistics of each sample and channel, no running stats (as the reference uses it)
Napi::Value InstanceNorm(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "input");
  return Out(info, at::instance_norm(x, ArgOptTensor(info, 1, "weight"), ArgOptTensor(info, 2, "bias"), c10::nullopt,
                                     c10::nullopt, true, 0.1, ArgNumber(info, 3, "eps"), at::globalContext().userEnabledCuDNN()));
}

// pad(x, pads [left, right, top, bottom], mode, value)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "input");
  std::vector<int64_t> pads = ArgInts(info, 1, "pads");
  const std::string mode = ArgString(info, 2, "mode");
  if (mode == "reflect") {
    at::Tensor ours = MaybeReflectionPad(x, pads);
    return Out(info, ours.defined() ? ours : at::reflection_pad2d(x, pads));
  }
  if (mode == "replicate") return Out(info, at::replication_pad2d(x, pads));
  if (mode == "constant") return Out(info, at::constant_pad_nd(x, pads, ArgNumber(info, 3, "value")));
  throw Napi::Error::New(info.Env(), "unknown pad mode '" + mode + "' (expected reflect, replicate or constant)");
}

// upsample(x, size [h, w], mode): bilinear (align_corners false) or nearest
Napi::Value Upsample(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "input");
  std::vector<int64_t> size = ArgInts(info, 1, "size");
  const std::string mode = ArgString(info, 2, "mode");
  if (mode == "bilinear") return Out(info, at::upsample_bilinear2d(x, size, false, c10::nullopt, c10::nullopt));
  if (mode == "nearest") return Out(info, at::upsample_nearest2d(x, size, c10::nullopt, c10::nullopt));
  throw Napi::Error::New(info.Env(), "unknown upsample mode '" + mode + "' (expected bilinear or nearest)");
}

}  // namespace

void RegisterNn(Napi::Env env, Napi::Object exports) {
  Export<Conv2d>(env, exports, "conv2d");
  Export<Conv2dBf16>(env, exports, "conv2dBf16");
  Export<ConvTranspose2d>(env, exports, "convTranspose2d");
  Export<InstanceNorm>(env, exports, "instanceNorm");
  Export<Pad>(env, exports, "pad");
  Export<Upsample>(env, exports, "upsample");
}
