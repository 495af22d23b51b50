#include "tensor_handle.h"

std::atomic<int64_t> TensorHandle::live_{0};

Napi::Function TensorHandle::DefineClass(Napi::Env env) {
  return ObjectWrap<TensorHandle>::DefineClass(env, "NativeTensor", {});
}

TensorHandle::TensorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TensorHandle>(info) {}

TensorHandle::~TensorHandle() { Release(); }

void TensorHandle::Release() {
  if (counted_) {
    counted_ = false;
    live_.fetch_sub(1);
  }
  tensor_ = at::Tensor();
}

Napi::Value TensorHandle::Wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  Napi::Object object = env.GetInstanceData<AddonData>()->tensorConstructor.New({});
  TensorHandle* handle = Unwrap(object);
  handle->tensor_ = std::move(tensor);
  handle->counted_ = true;
  live_.fetch_add(1);
  return object;
}

bool TensorHandle::IsHandle(const Napi::Value& value) {
  if (!value.IsObject()) return false;
  Napi::Env env = value.Env();
  return value.As<Napi::Object>().InstanceOf(env.GetInstanceData<AddonData>()->tensorConstructor.Value());
}

at::Tensor& TensorHandle::From(const Napi::Value& value, const char* what) {
  if (!IsHandle(value)) {
    throw Napi::TypeError::New(value.Env(), std::string("expected a tensor for ") + what);
  }
  TensorHandle* handle = Unwrap(value.As<Napi::Object>());
  if (handle->disposed()) {
    throw Napi::Error::New(value.Env(), std::string("tensor for ") + what + " was already disposed");
  }
  return handle->tensor_;
}
