// A JavaScript object that owns one at::Tensor. dispose() releases it at once;
// the destructor (run by the garbage collector) is only a safety net.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <atomic>

class TensorHandle : public Napi::ObjectWrap<TensorHandle> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  // Wraps a tensor in a new handle object. An undefined tensor becomes null.
  static Napi::Value Wrap(Napi::Env env, at::Tensor tensor);
  // The tensor behind a handle argument; throws a JS error for a disposed handle or a non-handle.
  static at::Tensor& From(const Napi::Value& value, const char* what);
  static bool IsHandle(const Napi::Value& value);
  static int64_t Live() { return live_.load(); }

  explicit TensorHandle(const Napi::CallbackInfo& info);
  ~TensorHandle() override;
  void Release();
  bool disposed() const { return !tensor_.defined(); }

 private:
  at::Tensor tensor_;
  bool counted_ = false;
  static std::atomic<int64_t> live_;
};

// Per-environment data: the constructor of the handle class.
struct AddonData {
  Napi::FunctionReference tensorConstructor;
};
