// Shape, layout, dtype and device changes.
#include <torch/csrc/autograd/custom_function.h>

#include "convert.h"
#include "onednn_conv.h"
#include "register.h"

namespace {

int64_t Int(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return static_cast<int64_t>(ArgNumber(info, i, what));
}

at::MemoryFormat ParseFormat(const Napi::CallbackInfo& info, size_t i) {
  const std::string name = ArgString(info, i, "memoryFormat");
  if (name == "contiguous") return at::MemoryFormat::Contiguous;
  if (name == "channels_last") return at::MemoryFormat::ChannelsLast;
  throw Napi::Error::New(info.Env(), "unknown memory format '" + name + "' (expected contiguous or channels_last)");
}

Napi::Value Reshape(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").reshape(ArgInts(info, 1, "shape"))); }
Napi::Value Permute(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").permute(ArgInts(info, 1, "dims"))); }
Napi::Value Expand(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").expand(ArgInts(info, 1, "shape"))); }
Napi::Value Flip(const Napi::CallbackInfo& info) { return Out(info, at::flip(ArgTensor(info, 0, "x"), ArgInts(info, 1, "dims"))); }
Napi::Value Cat(const Napi::CallbackInfo& info) { return Out(info, at::cat(ArgTensors(info, 0, "tensors"), Int(info, 1, "dim"))); }
Napi::Value Stack(const Napi::CallbackInfo& info) { return Out(info, at::stack(ArgTensors(info, 0, "tensors"), Int(info, 1, "dim"))); }
Napi::Value Unsqueeze(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").unsqueeze(Int(info, 1, "dim"))); }
Napi::Value Squeeze(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").squeeze(Int(info, 1, "dim"))); }

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  return Out(info, ArgTensor(info, 0, "x").transpose(Int(info, 1, "dim0"), Int(info, 2, "dim1")));
}

// slice(x, dim, start, end, step)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return Out(info, ArgTensor(info, 0, "x").slice(Int(info, 1, "dim"), Int(info, 2, "start"), Int(info, 3, "end"), Int(info, 4, "step")));
}

Napi::Value Select(const Napi::CallbackInfo& info) {
  return Out(info, ArgTensor(info, 0, "x").select(Int(info, 1, "dim"), Int(info, 2, "index")));
}

// contiguous(x, format)
Napi::Value Contiguous(const Napi::CallbackInfo& info) {
  return Out(info, ArgTensor(info, 0, "x").contiguous(ParseFormat(info, 1)));
}

// x copied into `format`, by oneDNN's reorder where it can (OnednnRelayout), else by ATen.
at::Tensor CopyInto(const at::Tensor& x, at::MemoryFormat format) {
  const bool either = x.is_contiguous() || IsChannelsLast(x);
  if (x.dim() == 4 && x.scalar_type() == at::kFloat && x.device().is_cpu() && either) {
    at::Tensor out = at::empty(x.sizes(), x.options().memory_format(format));
    if (OnednnRelayout(x, out)) return out;
  }
  return x.contiguous(format);
}

// The layout change into and out of the ResNet generator's channels-last inner layers. ATen's contiguous() hands the
// gradient back in whatever format it arrives in: the blocks' skip connections then carried a contiguous gradient,
// which every block converted again and every residual add mixed with channels-last ones (78 copies a 128 px step).
// This backward converts the gradient once, into the format the input had.
struct RelayoutFunction : public torch::autograd::Function<RelayoutFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, bool channelsLast) {
    ctx->saved_data["inputChannelsLast"] = IsChannelsLast(x);
    return CopyInto(x, channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto format = ctx->saved_data["inputChannelsLast"].toBool() ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
    const at::Tensor& g = grads[0];
    return {g.is_contiguous(format) ? g : CopyInto(g, format), at::Tensor()};
  }
};

// relayout(x, format): x copied into `format` (it must not be in it already); differentiable, with the gradient
// handed back in x's format.
Napi::Value Relayout(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "x");
  const at::MemoryFormat format = ParseFormat(info, 1);
  TORCH_CHECK(!x.is_contiguous(format), "relayout: the tensor is already in the memory format asked for");
  return Out(info, RelayoutFunction::apply(x, format == at::MemoryFormat::ChannelsLast));
}

Napi::Value IsContiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ArgTensor(info, 0, "x").is_contiguous(ParseFormat(info, 1)));
}

// to(x, dtype, device, format?): differentiable, like Tensor.to in PyTorch; with a memory format, the
// dtype conversion and the relayout happen in one pass.
Napi::Value To(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "x");
  at::ScalarType dtype = ParseDType(info.Env(), ArgString(info, 1, "dtype"));
  at::Device device = ParseDevice(info.Env(), ArgString(info, 2, "device"));
  c10::optional<at::MemoryFormat> format = c10::nullopt;
  if (!info[3].IsUndefined() && !info[3].IsNull()) format = ParseFormat(info, 3);
  return Out(info, x.to(device, dtype, /*non_blocking=*/false, /*copy=*/false, format));
}

// setData(x, source): x now holds source's storage (its device, dtype and layout) while keeping its
// identity and autograd flags, as `param.data = param.data.to(device)` in PyTorch's Module.to: the
// optimizer and the layers keep pointing at the same parameter.
Napi::Value SetData(const Napi::CallbackInfo& info) {
  const at::Tensor& x = ArgTensor(info, 0, "x");
  x.set_data(ArgTensor(info, 1, "source"));
  return info.Env().Undefined();
}

}  // namespace

void RegisterShape(Napi::Env env, Napi::Object exports) {
  Export<Reshape>(env, exports, "reshape");
  Export<Permute>(env, exports, "permute");
  Export<Expand>(env, exports, "expand");
  Export<Flip>(env, exports, "flip");
  Export<Cat>(env, exports, "cat");
  Export<Stack>(env, exports, "stack");
  Export<Unsqueeze>(env, exports, "unsqueeze");
  Export<Squeeze>(env, exports, "squeeze");
  Export<Transpose>(env, exports, "transpose");
  Export<Slice>(env, exports, "slice");
  Export<Select>(env, exports, "select");
  Export<Contiguous>(env, exports, "contiguous");
  Export<Relayout>(env, exports, "relayout");
  Export<IsContiguous>(env, exports, "isContiguous");
  Export<To>(env, exports, "to");
  Export<SetData>(env, exports, "setData");
}
