// Argument conversion between JavaScript values and ATen types, shared by every op file.
#pragma once
#include <ATen/ATen.h>
#include <napi.h>

#include <string>
#include <vector>

#include "tensor_handle.h"

at::ScalarType ParseDType(Napi::Env env, const std::string& name);
std::string DTypeName(at::ScalarType type);
at::Device ParseDevice(Napi::Env env, const std::string& name);
std::string DeviceName(const at::Device& device);

at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i, const char* what);
c10::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i, const char* what);
std::vector<at::Tensor> ArgTensors(const Napi::CallbackInfo& info, size_t i, const char* what);
std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t i, const char* what);
c10::optional<std::vector<int64_t>> ArgOptInts(const Napi::CallbackInfo& info, size_t i, const char* what);
double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* what);
c10::optional<double> ArgOptNumber(const Napi::CallbackInfo& info, size_t i, const char* what);
bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* what);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what);

Napi::Array ToIntArray(Napi::Env env, at::IntArrayRef values);
inline Napi::Value Out(const Napi::CallbackInfo& info, at::Tensor t) { return TensorHandle::Wrap(info.Env(), std::move(t)); }

// Every exported function runs inside Protected, so a libtorch exception (c10::Error)
// becomes a JavaScript Error instead of terminating the process.
using NativeFn = Napi::Value (*)(const Napi::CallbackInfo&);
template <NativeFn F>
Napi::Value Protected(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(info.Env(), e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

template <NativeFn F>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Protected<F>>(env, name));
}
