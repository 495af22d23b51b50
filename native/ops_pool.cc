// Pooling ops, used by feature extractors (InceptionV3 for the quality metrics in src/metrics/).
#include "convert.h"
#include "register.h"

namespace {

// maxPool2d(x, kernel[2], stride[2], padding[2])
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  return Out(info, at::max_pool2d(ArgTensor(info, 0, "input"), ArgInts(info, 1, "kernel"), ArgInts(info, 2, "stride"),
                                  ArgInts(info, 3, "padding")));
}

// avgPool2d(x, kernel[2], stride[2], padding[2], countIncludePad): TensorFlow's SAME average pooling
// divides by the number of in-bounds pixels, which is countIncludePad false.
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  return Out(info, at::avg_pool2d(ArgTensor(info, 0, "input"), ArgInts(info, 1, "kernel"), ArgInts(info, 2, "stride"),
                                  ArgInts(info, 3, "padding"), false, ArgBool(info, 4, "countIncludePad")));
}

}  // namespace

void RegisterPool(Napi::Env env, Napi::Object exports) {
  Export<MaxPool2d>(env, exports, "maxPool2d");
  Export<AvgPool2d>(env, exports, "avgPool2d");
}
