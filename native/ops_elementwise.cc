// Elementwise arithmetic, activations, reductions and losses.
#include <functional>
#include <unordered_map>

#include "convert.h"
#include "register.h"

namespace {

using Unary = std::function<at::Tensor(const at::Tensor&)>;
using Binary = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;
using WithScalar = std::function<at::Tensor(const at::Tensor&, double)>;

template <typename Table>
const typename Table::mapped_type& Lookup(Napi::Env env, const Table& table, const std::string& name, const char* kind) {
  auto it = table.find(name);
  if (it == table.end()) throw Napi::Error::New(env, std::string("unknown ") + kind + " op '" + name + "'");
  return it->second;
}

// unary(name, x)
Napi::Value UnaryOp(const Napi::CallbackInfo& info) {
  static const std::unordered_map<std::string, Unary> ops = {
      {"neg", [](const at::Tensor& x) { return at::neg(x); }},
      {"abs", [](const at::Tensor& x) { return at::abs(x); }},
      {"sqrt", [](const at::Tensor& x) { return at::sqrt(x); }},
      {"rsqrt", [](const at::Tensor& x) { return at::rsqrt(x); }},
      {"square", [](const at::Tensor& x) { return at::square(x); }},
      {"exp", [](const at::Tensor& x) { return at::exp(x); }},
      {"log", [](const at::Tensor& x) { return at::log(x); }},
      {"relu", [](const at::Tensor& x) { return at::relu(x); }},
      {"tanh", [](const at::Tensor& x) { return at::tanh(x); }},
      {"sigmoid", [](const at::Tensor& x) { return at::sigmoid(x); }},
      {"round", [](const at::Tensor& x) { return at::round(x); }},
      {"clone", [](const at::Tensor& x) { return x.clone(); }},
      {"detach", [](const at::Tensor& x) { return x.detach(); }},
  };
  const std::string name = ArgString(info, 0, "op");
  return Out(info, Lookup(info.Env(), ops, name, "unary")(ArgTensor(info, 1, "x")));
}

// binary(name, a, b), broadcasting like PyTorch
Napi::Value BinaryOp(const Napi::CallbackInfo& info) {
  static const std::unordered_map<std::string, Binary> ops = {
      {"add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
      {"sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
      {"mul", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
      {"div", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
      {"pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
      {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"mse_loss", [](const at::Tensor& a, const at::Tensor& b) { return at::mse_loss(a, b, at::Reduction::Mean); }},
      {"l1_loss", [](const at::Tensor& a, const at::Tensor& b) { return at::l1_loss(a, b, at::Reduction::Mean); }},
  };
  const std::string name = ArgString(info, 0, "op");
  return Out(info, Lookup(info.Env(), ops, name, "binary")(ArgTensor(info, 1, "a"), ArgTensor(info, 2, "b")));
}

// scalar(name, x, s)
Napi::Value ScalarOp(const Napi::CallbackInfo& info) {
  static const std::unordered_map<std::string, WithScalar> ops = {
      {"add", [](const at::Tensor& x, double s) { return at::add(x, s); }},
      {"sub", [](const at::Tensor& x, double s) { return at::sub(x, s); }},
      {"rsub", [](const at::Tensor& x, double s) { return at::rsub(x, s); }},
      {"mul", [](const at::Tensor& x, double s) { return at::mul(x, s); }},
      {"div", [](const at::Tensor& x, double s) { return at::div(x, s); }},
      {"pow", [](const at::Tensor& x, double s) { return at::pow(x, s); }},
      {"leaky_relu", [](const at::Tensor& x, double s) { return at::leaky_relu(x, s); }},
      {"mse_loss", [](const at::Tensor& x, double s) { return at::mse_loss(x, at::full_like(x, s), at::Reduction::Mean); }},
  };
  const std::string name = ArgString(info, 0, "op");
  return Out(info, Lookup(info.Env(), ops, name, "scalar")(ArgTensor(info, 1, "x"), ArgNumber(info, 2, "scalar")));
}

// clamp(x, min?, max?)
Napi::Value Clamp(const Napi::CallbackInfo& info) {
  c10::optional<double> lo = ArgOptNumber(info, 1, "min");
  c10::optional<double> hi = ArgOptNumber(info, 2, "max");
  c10::optional<at::Scalar> loS = lo ? c10::optional<at::Scalar>(*lo) : c10::nullopt;
  c10::optional<at::Scalar> hiS = hi ? c10::optional<at::Scalar>(*hi) : c10::nullopt;
  return Out(info, at::clamp(ArgTensor(info, 0, "x"), loS, hiS));
}

// reduce(name, x, dims|null, keepdim): sum, mean, amax, amin
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const std::string name = ArgString(info, 0, "op");
  const at::Tensor& x = ArgTensor(info, 1, "x");
  c10::optional<std::vector<int64_t>> dims = ArgOptInts(info, 2, "dims");
  bool keepdim = ArgBool(info, 3, "keepdim");
  std::vector<int64_t> all;
  if (!dims) {
    for (int64_t d = 0; d < x.dim(); d++) all.push_back(d);
  }
  at::IntArrayRef use = dims ? at::IntArrayRef(*dims) : at::IntArrayRef(all);
  if (name == "sum") return Out(info, dims ? at::sum(x, use, keepdim) : (keepdim ? at::sum(x, use, true) : at::sum(x)));
  if (name == "mean") return Out(info, dims ? at::mean(x, use, keepdim) : (keepdim ? at::mean(x, use, true) : at::mean(x)));
  if (name == "amax") return Out(info, at::amax(x, use, keepdim));
  if (name == "amin") return Out(info, at::amin(x, use, keepdim));
  throw Napi::Error::New(info.Env(), "unknown reduction '" + name + "'");
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  Export<UnaryOp>(env, exports, "unary");
  Export<BinaryOp>(env, exports, "binary");
  Export<ScalarOp>(env, exports, "scalar");
  Export<Clamp>(env, exports, "clamp");
  Export<Reduce>(env, exports, "reduce");
}
