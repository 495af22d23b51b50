// Creating tensors from JavaScript data and reading them back.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard: not pulled in by ATen/ATen.h in libtorch 2.x

#include <cstring>
#include <string>

#include "convert.h"
#include "register.h"

namespace {

at::ScalarType TypedArrayDType(Napi::Env env, const Napi::TypedArray& array) {
  switch (array.TypedArrayType()) {
    case napi_float32_array: return at::kFloat;
    case napi_float64_array: return at::kDouble;
    case napi_int32_array: return at::kInt;
    case napi_bigint64_array: return at::kLong;
    case napi_uint8_array: return at::kByte;
    default: throw Napi::TypeError::New(env, "fromData expects a Float32Array, Float64Array, Int32Array, BigInt64Array or Uint8Array");
  }
}

at::TensorOptions Options(const Napi::CallbackInfo& info, size_t dtypeArg, size_t deviceArg) {
  return at::TensorOptions()
      .dtype(ParseDType(info.Env(), ArgString(info, dtypeArg, "dtype")))
      .device(ParseDevice(info.Env(), ArgString(info, deviceArg, "device")));
}

// fromData(typedArray, shape, dtype, device)
Napi::Value FromData(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "fromData expects a typed array");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  std::vector<int64_t> shape = ArgInts(info, 1, "shape");
  at::ScalarType source = TypedArrayDType(info.Env(), array);
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  if (numel != static_cast<int64_t>(array.ElementLength())) {
    throw Napi::Error::New(info.Env(), "fromData: shape [" + c10::Join(", ", shape) + "] holds " + std::to_string(numel) +
                                           " elements but the data has " + std::to_string(array.ElementLength()));
  }
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(source));
  const uint8_t* bytes = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  std::memcpy(t.data_ptr(), bytes, array.ByteLength());
  at::TensorOptions target = Options(info, 2, 3);
  return Out(info, t.to(target));
}

// full(shape, value, dtype, device)
Napi::Value Full(const Napi::CallbackInfo& info) {
  return Out(info, at::full(ArgInts(info, 0, "shape"), ArgNumber(info, 1, "value"), Options(info, 2, 3)));
}

c10::optional<at::Generator> SeededGenerator(const Napi::CallbackInfo& info, size_t i) {
  c10::optional<double> seed = ArgOptNumber(info, i, "seed");
  if (!seed) return c10::nullopt;
  return at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(*seed));
}

// randn(shape, dtype, device, seed?) and rand(...): drawn on the CPU so a seed gives the same values on every device.
Napi::Value Randn(const Napi::CallbackInfo& info) {
  at::Tensor t = at::randn(ArgInts(info, 0, "shape"), SeededGenerator(info, 3), at::TensorOptions().dtype(at::kFloat));
  return Out(info, t.to(Options(info, 1, 2)));
}

Napi::Value Rand(const Napi::CallbackInfo& info) {
  at::Tensor t = at::rand(ArgInts(info, 0, "shape"), SeededGenerator(info, 3), at::TensorOptions().dtype(at::kFloat));
  return Out(info, t.to(Options(info, 1, 2)));
}

// normal_(t, mean, std, seed?): in-place initialisation, outside autograd.
Napi::Value NormalInPlace(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0, "tensor");
  at::NoGradGuard noGrad;
  at::Tensor values = at::randn(t.sizes(), SeededGenerator(info, 3), at::TensorOptions().dtype(at::kFloat));
  values.mul_(ArgNumber(info, 2, "std")).add_(ArgNumber(info, 1, "mean"));
  t.copy_(values);
  return info.Env().Undefined();
}

// Layout of one tensor's storage in a typed array: float32 for floating types, else its own type.
Napi::Value ToData(const Napi::CallbackInfo& info) {
  at::Tensor t = ArgTensor(info, 0, "tensor").detach();
  at::ScalarType type = t.scalar_type();
  napi_typedarray_type arrayType;
  if (type == at::kDouble) {
    arrayType = napi_float64_array;
  } else if (at::isFloatingType(type)) {
    type = at::kFloat;
    arrayType = napi_float32_array;
  } else if (type == at::kLong) {
    arrayType = napi_bigint64_array;
  } else if (type == at::kInt) {
    arrayType = napi_int32_array;
  } else {
    type = at::kByte;
    arrayType = napi_uint8_array;
  }
  at::Tensor host = t.to(at::kCPU, type).contiguous();
  size_t bytes = host.numel() * host.element_size();
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), bytes);
  if (bytes > 0) std::memcpy(buffer.Data(), host.data_ptr(), bytes);
  switch (arrayType) {
    case napi_float64_array: return Napi::Float64Array::New(info.Env(), host.numel(), buffer, 0);
    case napi_float32_array: return Napi::Float32Array::New(info.Env(), host.numel(), buffer, 0);
    case napi_bigint64_array: return Napi::BigInt64Array::New(info.Env(), host.numel(), buffer, 0);
    case napi_int32_array: return Napi::Int32Array::New(info.Env(), host.numel(), buffer, 0);
    default: return Napi::Uint8Array::New(info.Env(), host.numel(), buffer, 0);
  }
}

// toDataInto(tensor, out: Float32Array): copies a floating tensor's values (row-major) into `out`, which must
// hold exactly numel floats. For loops that move the same sizes again and again (tiled translation): a new
// array each time costs the kernel's zeroing of fresh pages, more than the copy itself.
Napi::Value ToDataInto(const Napi::CallbackInfo& info) {
  at::Tensor t = ArgTensor(info, 0, "tensor").detach();
  if (!at::isFloatingType(t.scalar_type())) throw Napi::TypeError::New(info.Env(), "toDataInto: expected a floating tensor");
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), "toDataInto: expected a Float32Array to copy into");
  }
  Napi::Float32Array out = info[1].As<Napi::Float32Array>();
  if (static_cast<int64_t>(out.ElementLength()) != t.numel()) {
    throw Napi::RangeError::New(info.Env(), "toDataInto: expected a Float32Array of " + std::to_string(t.numel()) + " floats but received " + std::to_string(out.ElementLength()));
  }
  at::Tensor host = t.to(at::kCPU, at::kFloat).contiguous();
  if (host.numel() > 0) std::memcpy(out.Data(), host.data_ptr(), host.numel() * sizeof(float));
  return info.Env().Undefined();
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  at::Tensor& t = ArgTensor(info, 0, "tensor");
  return Napi::Number::New(info.Env(), t.item().toDouble());
}

Napi::Value Shape(const Napi::CallbackInfo& info) { return ToIntArray(info.Env(), ArgTensor(info, 0, "tensor").sizes()); }

Napi::Value DType(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DTypeName(ArgTensor(info, 0, "tensor").scalar_type()));
}

Napi::Value Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DeviceName(ArgTensor(info, 0, "tensor").device()));
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  if (TensorHandle::IsHandle(info[0])) TensorHandle::Unwrap(info[0].As<Napi::Object>())->Release();
  return info.Env().Undefined();
}

Napi::Value IsDisposed(const Napi::CallbackInfo& info) {
  if (!TensorHandle::IsHandle(info[0])) return Napi::Boolean::New(info.Env(), true);
  return Napi::Boolean::New(info.Env(), TensorHandle::Unwrap(info[0].As<Napi::Object>())->disposed());
}

Napi::Value LiveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TensorHandle::Live()));
}

}  // namespace

void RegisterTensorData(Napi::Env env, Napi::Object exports) {
  Export<FromData>(env, exports, "fromData");
  Export<Full>(env, exports, "full");
  Export<Randn>(env, exports, "randn");
  Export<Rand>(env, exports, "rand");
  Export<NormalInPlace>(env, exports, "normal_");
  Export<ToData>(env, exports, "toData");
  Export<ToDataInto>(env, exports, "toDataInto");
  Export<Item>(env, exports, "item");
  Export<Shape>(env, exports, "shape");
  Export<DType>(env, exports, "dtype");
  Export<Device>(env, exports, "device");
  Export<Dispose>(env, exports, "dispose");
  Export<IsDisposed>(env, exports, "isDisposed");
  Export<LiveTensors>(env, exports, "liveTensors");
}
