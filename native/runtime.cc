// Process-wide settings: threads, seeds, devices, build information.
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include "caching_allocator.h"
#include "convert.h"
#include "register.h"
#include "direct_conv.h"
#include "onednn_conv.h"
#include "winograd_conv.h"

namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int threads = static_cast<int>(ArgNumber(info, 0, "threads"));
  if (threads < 1) throw Napi::Error::New(info.Env(), "setNumThreads: expected a positive integer");
  at::set_num_threads(threads);
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  at::manual_seed(static_cast<uint64_t>(ArgNumber(info, 0, "seed")));
  return info.Env().Undefined();
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  int count = at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0;
  return Napi::Number::New(info.Env(), count);
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  // Timing GPU work needs the queue drained; on a CPU build this does nothing.
  if (at::hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(at::detail::getCUDAHooks().current_device());
  return info.Env().Undefined();
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("torchVersion", TORCH_VERSION);
  out.Set("cuda", at::hasCUDA());
  out.Set("mkldnn", at::hasMKLDNN());
  out.Set("parallel", at::get_parallel_info());
  return out;
}

Napi::Value AllocatorStatsFn(const Napi::CallbackInfo& info) {
  AllocatorStats s = GetAllocatorStats();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("inUseBytes", static_cast<double>(s.inUseBytes));
  out.Set("cachedBytes", static_cast<double>(s.cachedBytes));
  out.Set("peakBytes", static_cast<double>(s.peakBytes));
  out.Set("peakInUseBytes", static_cast<double>(s.peakInUseBytes));
  return out;
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  EmptyAllocatorCache();
  return info.Env().Undefined();
}

// winograd(): whether 3x3 convolutions may run as Winograd (built with oneDNN, not switched off)
Napi::Value Winograd(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("built", WinogradBuilt());
  out.Set("enabled", WinogradEnabled());
  out.Set("plans", static_cast<double>(WinogradPlans()));
  return out;
}

// setWinograd(enabled): for tests and benchmarks, which compare the two paths
Napi::Value SetWinograd(const Napi::CallbackInfo& info) {
  SetWinogradEnabled(ArgBool(info, 0, "enabled"));
  return info.Env().Undefined();
}

// directConv(): whether convolutions call oneDNN directly (built with oneDNN, not switched off)
Napi::Value DirectConv(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("built", OnednnBuilt());
  out.Set("enabled", DirectConvEnabled());
  out.Set("plans", static_cast<double>(DirectConvPlans()));
  out.Set("cachedWeights", static_cast<double>(WeightCacheEntries()));
  return out;
}

// setDirectConv(enabled): for tests and benchmarks, which compare it with libtorch's convolutions
Napi::Value SetDirectConv(const Napi::CallbackInfo& info) {
  SetDirectConvEnabled(ArgBool(info, 0, "enabled"));
  return info.Env().Undefined();
}

// beginWeightCache(), endWeightCache(): one optimizer phase, whose weight conversions are made once (onednn_conv.h)
Napi::Value BeginWeightCacheFn(const Napi::CallbackInfo& info) {
  BeginWeightCache();
  return info.Env().Undefined();
}

Napi::Value EndWeightCacheFn(const Napi::CallbackInfo& info) {
  EndWeightCache();
  return info.Env().Undefined();
}

}  // namespace

void RegisterRuntime(Napi::Env env, Napi::Object exports) {
  Export<SetNumThreads>(env, exports, "setNumThreads");
  Export<GetNumThreads>(env, exports, "getNumThreads");
  Export<ManualSeed>(env, exports, "manualSeed");
  Export<CudaDeviceCount>(env, exports, "cudaDeviceCount");
  Export<Synchronize>(env, exports, "synchronize");
  Export<BuildInfo>(env, exports, "buildInfo");
  Export<AllocatorStatsFn>(env, exports, "allocatorStats");
  Export<EmptyCache>(env, exports, "emptyCache");
  Export<Winograd>(env, exports, "winograd");
  Export<SetWinograd>(env, exports, "setWinograd");
  Export<DirectConv>(env, exports, "directConv");
  Export<BeginWeightCacheFn>(env, exports, "beginWeightCache");
  Export<EndWeightCacheFn>(env, exports, "endWeightCache");
  Export<SetDirectConv>(env, exports, "setDirectConv");
}
