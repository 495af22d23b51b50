// Neural-network ops: convolutions, instance norm, padding.
#include "convert.h"
#include "register.h"

namespace {

// conv2d(x, weight, bias?, stride[2], padding[2], dilation[2], groups)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return Out(info, at::conv2d(ArgTensor(info, 0, "input"), ArgTensor(info, 1, "weight"), ArgOptTensor(info, 2, "bias"),
                              ArgInts(info, 3, "stride"), ArgInts(info, 4, "padding"), ArgInts(info, 5, "dilation"),
                              static_cast<int64_t>(ArgNumber(info, 6, "groups"))));
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
  if (mode == "reflect") return Out(info, at::reflection_pad2d(x, pads));
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
  Export<ConvTranspose2d>(env, exports, "convTranspose2d");
  Export<InstanceNorm>(env, exports, "instanceNorm");
  Export<Pad>(env, exports, "pad");
  Export<Upsample>(env, exports, "upsample");
}
