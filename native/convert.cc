#include "convert.h"

#include <unordered_map>

at::ScalarType ParseDType(Napi::Env env, const std::string& name) {
  static const std::unordered_map<std::string, at::ScalarType> types = {
      {"float32", at::kFloat}, {"float64", at::kDouble}, {"bfloat16", at::kBFloat16}, {"float16", at::kHalf},
      {"int64", at::kLong},    {"int32", at::kInt},      {"uint8", at::kByte},         {"bool", at::kBool},
  };
  auto it = types.find(name);
  if (it == types.end()) {
    throw Napi::Error::New(env, "unknown dtype '" + name +
                                    "' (expected float32, float64, bfloat16, float16, int64, int32, uint8 or bool)");
  }
  return it->second;
}

std::string DTypeName(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(type);
  }
}

at::Device ParseDevice(Napi::Env env, const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name == "cuda" || name.rfind("cuda:", 0) == 0) {
    if (!at::hasCUDA()) {
      throw Napi::Error::New(env, "device '" + name +
                                      "' requested, but this libtorch has no CUDA support or no GPU is visible; "
                                      "use device 'cpu', or build against a CUDA libtorch (set LIBTORCH) on a GPU machine");
    }
    return at::Device(name);
  }
  throw Napi::Error::New(env, "unknown device '" + name + "' (expected cpu, cuda or cuda:N)");
}

std::string DeviceName(const at::Device& device) { return device.str(); }

at::Tensor& ArgTensor(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return TensorHandle::From(info[i], what);
}

c10::optional<at::Tensor> ArgOptTensor(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return TensorHandle::From(info[i], what);
}

std::vector<at::Tensor> ArgTensors(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string("expected an array of tensors for ") + what);
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) out.push_back(TensorHandle::From(array.Get(k), what));
  return out;
}

std::vector<int64_t> ArgInts(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string("expected an array of integers for ") + what);
  Napi::Array array = info[i].As<Napi::Array>();
  std::vector<int64_t> out;
  out.reserve(array.Length());
  for (uint32_t k = 0; k < array.Length(); k++) {
    Napi::Value v = array.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("expected an array of integers for ") + what);
    out.push_back(v.As<Napi::Number>().Int64Value());
  }
  return out;
}

c10::optional<std::vector<int64_t>> ArgOptInts(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return ArgInts(info, i, what);
}

double ArgNumber(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("expected a number for ") + what);
  return info[i].As<Napi::Number>().DoubleValue();
}

c10::optional<double> ArgOptNumber(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info[i].IsUndefined() || info[i].IsNull()) return c10::nullopt;
  return ArgNumber(info, i, what);
}

bool ArgBool(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string("expected a boolean for ") + what);
  return info[i].As<Napi::Boolean>().Value();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string("expected a string for ") + what);
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Array ToIntArray(Napi::Env env, at::IntArrayRef values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t k = 0; k < values.size(); k++) out.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(values[k])));
  return out;
}
