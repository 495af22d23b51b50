// Autograd: requires_grad, backward, gradients, grad mode; and in-place copies outside autograd.
#include <ATen/core/grad_mode.h>  // at::GradMode, at::NoGradGuard: not pulled in by ATen/ATen.h in libtorch 2.x

#include "convert.h"
#include "register.h"

namespace {

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  ArgTensor(info, 0, "x").requires_grad_(ArgBool(info, 1, "requiresGrad"));
  return info.Env().Undefined();
}

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), ArgTensor(info, 0, "x").requires_grad());
}

// backward(loss, gradient?)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  const at::Tensor& loss = ArgTensor(info, 0, "loss");
  c10::optional<at::Tensor> gradient = ArgOptTensor(info, 1, "gradient");
  loss.backward(gradient ? *gradient : at::Tensor(), c10::nullopt, false);
  return info.Env().Undefined();
}

// grad(x): a new handle sharing the gradient's storage, or null when none was accumulated
Napi::Value Grad(const Napi::CallbackInfo& info) { return Out(info, ArgTensor(info, 0, "x").grad()); }

// zeroGrad(tensors): drops gradients (set_to_none, PyTorch's default since 2.0)
Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
  for (at::Tensor& t : ArgTensors(info, 0, "tensors")) t.mutable_grad().reset();
  return info.Env().Undefined();
}

// setGradEnabled(flag) -> previous flag
Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(ArgBool(info, 0, "enabled"));
  return Napi::Boolean::New(info.Env(), previous);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled()); }

// copy_(dst, src): overwrites dst's values (weights loading), not recorded by autograd
Napi::Value CopyInPlace(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  at::Tensor& dst = ArgTensor(info, 0, "dst");
  const at::Tensor& src = ArgTensor(info, 1, "src");
  if (dst.sizes() != src.sizes()) {
    throw Napi::Error::New(info.Env(), "copy_: shape [" + c10::Join(", ", src.sizes()) + "] does not match [" +
                                           c10::Join(", ", dst.sizes()) + "]");
  }
  dst.copy_(src);
  return info.Env().Undefined();
}

Napi::Value FillInPlace(const Napi::CallbackInfo& info) {
  at::NoGradGuard noGrad;
  ArgTensor(info, 0, "dst").fill_(ArgNumber(info, 1, "value"));
  return info.Env().Undefined();
}

}  // namespace

void RegisterAutograd(Napi::Env env, Napi::Object exports) {
  Export<SetRequiresGrad>(env, exports, "setRequiresGrad");
  Export<RequiresGrad>(env, exports, "requiresGrad");
  Export<Backward>(env, exports, "backward");
  Export<Grad>(env, exports, "grad");
  Export<ZeroGrad>(env, exports, "zeroGrad");
  Export<SetGradEnabled>(env, exports, "setGradEnabled");
  Export<IsGradEnabled>(env, exports, "isGradEnabled");
  Export<CopyInPlace>(env, exports, "copy_");
  Export<FillInPlace>(env, exports, "fill_");
}
