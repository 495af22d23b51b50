// Linear algebra for the quality metrics (src/metrics/): Gram matrices for KID, the symmetric
// eigen-decomposition behind FID's matrix square root, and row selection for KID's subsets.
#include "convert.h"
#include "register.h"

namespace {

// matmul(a, b)
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return Out(info, at::matmul(ArgTensor(info, 0, "a"), ArgTensor(info, 1, "b")));
}

// eigh(a): eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, as [values, vectors]
Napi::Value Eigh(const Napi::CallbackInfo& info) {
  auto result = at::linalg_eigh(ArgTensor(info, 0, "input"), "L");
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Out(info, std::get<0>(result)));
  out.Set(1u, Out(info, std::get<1>(result)));
  return out;
}

// indexSelect(x, dim, index): index is an int64 tensor
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  return Out(info, at::index_select(ArgTensor(info, 0, "input"), static_cast<int64_t>(ArgNumber(info, 1, "dim")),
                                    ArgTensor(info, 2, "index")));
}

}  // namespace

void RegisterLinalg(Napi::Env env, Napi::Object exports) {
  Export<Matmul>(env, exports, "matmul");
  Export<Eigh>(env, exports, "eigh");
  Export<IndexSelect>(env, exports, "indexSelect");
}
