// Optimizer updates, run in C++ so a step over all parameters is one call from JavaScript.
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: not pulled in by ATen/ATen.h in libtorch 2.x

#include <cmath>

#include "convert.h"
#include "register.h"

namespace {

// adamStep(params, expAvg, expAvgSq, step, lr, beta1, beta2, eps, weightDecay)
// The arithmetic of torch.optim.Adam (single-tensor path, amsgrad off) so results match PyTorch to rounding.
// `step` is the step count after this update (1 for the first). Parameters without a gradient are skipped.
Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  std::vector<at::Tensor> params = ArgTensors(info, 0, "params");
  std::vector<at::Tensor> expAvg = ArgTensors(info, 1, "expAvg");
  std::vector<at::Tensor> expAvgSq = ArgTensors(info, 2, "expAvgSq");
  const double step = ArgNumber(info, 3, "step");
  const double lr = ArgNumber(info, 4, "lr");
  const double beta1 = ArgNumber(info, 5, "beta1");
  const double beta2 = ArgNumber(info, 6, "beta2");
  const double eps = ArgNumber(info, 7, "eps");
  const double weightDecay = ArgNumber(info, 8, "weightDecay");
  if (params.size() != expAvg.size() || params.size() != expAvgSq.size()) {
    throw Napi::Error::New(info.Env(), "adamStep: params, expAvg and expAvgSq must have the same length");
  }
  at::NoGradGuard noGrad;
  const double biasCorrection1 = 1 - std::pow(beta1, step);
  const double biasCorrection2Sqrt = std::sqrt(1 - std::pow(beta2, step));
  const double stepSize = lr / biasCorrection1;
  for (size_t i = 0; i < params.size(); i++) {
    at::Tensor& param = params[i];
    at::Tensor grad = param.grad();
    if (!grad.defined()) continue;
    if (weightDecay != 0) grad = grad.add(param, weightDecay);
    expAvg[i].mul_(beta1).add_(grad, 1 - beta1);
    expAvgSq[i].mul_(beta2).addcmul_(grad, grad, 1 - beta2);
    at::Tensor denom = (expAvgSq[i].sqrt() / biasCorrection2Sqrt).add_(eps);
    param.addcdiv_(expAvg[i], denom, -stepSize);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) { Export<AdamStep>(env, exports, "adamStep"); }
