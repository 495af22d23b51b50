// Entry point of the cyclegan native addon: a flat binding of libtorch (ATen + autograd).
// The TypeScript interface in src/engine/native.ts describes every function registered here.
#include "caching_allocator.h"
#include "register.h"
#include "tensor_handle.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstallCachingAllocator();
  auto* data = new AddonData();
  data->tensorConstructor = Napi::Persistent(TensorHandle::DefineClass(env));
  env.SetInstanceData<AddonData>(data);
  RegisterTensorData(env, exports);
  RegisterElementwise(env, exports);
  RegisterNn(env, exports);
  RegisterFusedNorm(env, exports);
  RegisterInterleave(env, exports);
  RegisterShape(env, exports);
  RegisterAutograd(env, exports);
  RegisterOptim(env, exports);
  RegisterRuntime(env, exports);
  RegisterDistributed(env, exports);
  RegisterPool(env, exports);
  RegisterLinalg(env, exports);
  return exports;
}

NODE_API_MODULE(cyclegan_native, Init)
