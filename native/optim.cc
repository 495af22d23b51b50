// Optimizer updates, run in C++ so a step over all parameters is one call from JavaScript.
//
// Float32 parameters take one fused pass: read parameter, gradient and both moments once, write
// parameter and moments once. The op-by-op form below it (kept for other dtypes and layouts) makes
// eight passes over the moments and allocates two temporaries per parameter.
// The fused loop needs the vectoriser (GCC 12 at the addon's -O2 vectorises none of it) and
// binding.gyp's -fno-math-errno (a pragma does not reach the square root's errno branch).
#pragma GCC optimize("O3")

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: not pulled in by ATen/ATen.h in libtorch 2.x

#include <cmath>
#include <cstdlib>
#include <string>

#include "convert.h"
#include "register.h"

namespace {

struct AdamScalars {
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, weightDecay, biasCorrection2Sqrt, eps, negStepSize;
};

// The same arithmetic as the op-by-op form, element by element, with each op's float rounding kept
// (the products and sums in the order the ATen kernels take them). The scalars are copied into locals
// so the vectoriser knows the stores cannot change them.
template <bool kWeightDecay>
void AdamRange(float* __restrict__ param, const float* __restrict__ grad, float* __restrict__ expAvg,
               float* __restrict__ expAvgSq, int64_t n, AdamScalars s) {
  const float beta1 = s.beta1, a1 = s.oneMinusBeta1, beta2 = s.beta2, a2 = s.oneMinusBeta2, wd = s.weightDecay;
  const float bc2 = s.biasCorrection2Sqrt, eps = s.eps, negStep = s.negStepSize;
  for (int64_t i = 0; i < n; i++) {
    float g = grad[i];
    if (kWeightDecay) g = g + wd * param[i];
    const float m = expAvg[i] * beta1 + a1 * g;
    const float v = expAvgSq[i] * beta2 + a2 * g * g;
    const float denom = std::sqrt(v) / bc2 + eps;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] = param[i] + negStep * (m / denom);
  }
}

void FusedAdam(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t n, const AdamScalars& s) {
  // 16K elements (64 KB per stream) per task: enough to amortise a thread's wake-up.
  at::parallel_for(0, n, 1 << 14, [&](int64_t begin, int64_t end) {
    const int64_t len = end - begin;
    if (s.weightDecay != 0) AdamRange<true>(param + begin, grad + begin, expAvg + begin, expAvgSq + begin, len, s);
    else AdamRange<false>(param + begin, grad + begin, expAvg + begin, expAvgSq + begin, len, s);
  });
}

bool FusedAdamApplies(const at::Tensor& param, const at::Tensor& grad, const at::Tensor& expAvg, const at::Tensor& expAvgSq) {
  for (const at::Tensor* t : {&param, &grad, &expAvg, &expAvgSq}) {
    if (t->scalar_type() != at::kFloat || !t->is_cpu() || !t->is_contiguous() || t->numel() != param.numel()) return false;
  }
  return true;
}

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
  const AdamScalars scalars{static_cast<float>(beta1), static_cast<float>(1 - beta1), static_cast<float>(beta2),
                            static_cast<float>(1 - beta2), static_cast<float>(weightDecay),
                            static_cast<float>(biasCorrection2Sqrt), static_cast<float>(eps), static_cast<float>(-stepSize)};
  static const bool fused = [] {
    const char* flag = std::getenv("CYCLEGAN_FUSED_ADAM");
    return flag == nullptr || std::string(flag) != "0";
  }();
  for (size_t i = 0; i < params.size(); i++) {
    at::Tensor& param = params[i];
    at::Tensor grad = param.grad();
    if (!grad.defined()) continue;
    if (fused && FusedAdamApplies(param, grad, expAvg[i], expAvgSq[i])) {
      FusedAdam(param.data_ptr<float>(), grad.data_ptr<float>(), expAvg[i].data_ptr<float>(), expAvgSq[i].data_ptr<float>(),
                param.numel(), scalars);
      param.unsafeGetTensorImpl()->bump_version();
      continue;
    }
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
