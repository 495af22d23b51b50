// Winograd convolutions: oneDNN's F(4x4, 3x3) kernels for the unstrided 3x3 convolutions of the ResNet blocks.
//
// libtorch always asks oneDNN for direct convolutions. For a 3x3 kernel Winograd does the same work with about
// half the multiplications, and oneDNN 2.x has it for AVX-512 CPUs, forward and both backward passes. Measured
// here (Intel Xeon with AMX, 2.x GHz; forward + backward data + backward weights, oneDNN alone):
//   256 channels, 32x32 out: 43.3 -> 22.7 ms on 1 thread, 12.2 -> 7.7 ms on 2 threads
//   256 channels, 64x64 out: 91.5 -> 44.2 ms on 1 thread, 49.0 -> 25.7 ms on 2 threads
//   128 channels, 16x16 out:  2.9 ->  2.8 ms on 1 thread,  0.7 ->  1.2 ms on 2 threads
//    64 channels,  8x8 out:  0.16 -> 0.56 ms on 1 thread
// so it is used from 32x32 outputs and 64 channels up (kMinOutputPixels, kMinChannels). The arithmetic differs
// from a direct convolution by rounding only (test/engine/winograd_conv.test.ts holds it to PyTorch within 1e-4
// relative, forward and backward).
//
// oneDNN is called directly, through the same shared libdnnl.so.2 that libtorch links: only Debian's libtorch
// (and any other build against a shared oneDNN 2.x) has one. Elsewhere (pip wheels link oneDNN statically;
// oneDNN 3 dropped Winograd on x64) the addon is built without CYCLEGAN_ONEDNN and every convolution is libtorch's.
#include "winograd_conv.h"

#include <cstdlib>
#include <cstring>

#ifdef CYCLEGAN_ONEDNN
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>
#endif

namespace {
bool winogradOn = [] {
  const char* setting = std::getenv("CYCLEGAN_WINOGRAD");
  return !(setting && std::strcmp(setting, "0") == 0);
}();
}  // namespace

bool WinogradBuilt() {
#ifdef CYCLEGAN_ONEDNN
  return true;
#else
  return false;
#endif
}

bool WinogradEnabled() { return WinogradBuilt() && winogradOn; }
void SetWinogradEnabled(bool enabled) { winogradOn = enabled; }

#ifndef CYCLEGAN_ONEDNN

at::Tensor MaybeWinogradConv2d(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, int64_t) {
  return at::Tensor();
}
size_t WinogradPlans() { return 0; }

#else

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;

constexpr int64_t kMinOutputPixels = 32 * 32;
constexpr int64_t kMinChannels = 64;

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

struct Key {
  int64_t n, ic, oc, h, w;
  bool bias, channelsLast;
  bool operator<(const Key& o) const {
    return std::tie(n, ic, oc, h, w, bias, channelsLast) < std::tie(o.n, o.ic, o.oc, o.h, o.w, o.bias, o.channelsLast);
  }
};

// A layout change made once per plan: `needed` is false when oneDNN takes the caller's layout as it is.
struct Conversion {
  bool needed = false;
  dnnl::reorder primitive;
  memory::desc to;
};

Conversion Convert(const memory::desc& from, const memory::desc& to) {
  if (from == to) return {};
  return {true, dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), from, Engine(), to)), to};
}

// The primitives for one shape, built on first use: building them costs more than a small convolution.
struct Plan {
  memory::desc src, weights, dst, bias;  // the caller's layouts
  dnnl::convolution_forward::primitive_desc forwardPd;
  dnnl::convolution_backward_data::primitive_desc backwardDataPd;
  dnnl::convolution_backward_weights::primitive_desc backwardWeightsPd;
  dnnl::convolution_forward forward;
  dnnl::convolution_backward_data backwardData;
  dnnl::convolution_backward_weights backwardWeights;
  Conversion srcToForward, weightsToForward, forwardToDst;
  Conversion dstToBackwardData, weightsToBackwardData, backwardDataToSrc;
  Conversion srcToBackwardWeights, dstToBackwardWeights, backwardWeightsToWeights;
};

std::shared_ptr<Plan> BuildPlan(const Key& k) {
  const memory::dims srcDims{k.n, k.ic, k.h, k.w}, weightDims{k.oc, k.ic, 3, 3}, dstDims{k.n, k.oc, k.h - 2, k.w - 2};
  const memory::dims strides{1, 1}, noPadding{0, 0};
  const Tag activations = k.channelsLast ? Tag::nhwc : Tag::nchw;
  auto plan = std::make_shared<Plan>();
  plan->src = memory::desc(srcDims, kF32, activations);
  plan->weights = memory::desc(weightDims, kF32, Tag::oihw);
  plan->dst = memory::desc(dstDims, kF32, activations);
  plan->bias = k.bias ? memory::desc({k.oc}, kF32, Tag::x) : memory::desc();
  const memory::desc anySrc(srcDims, kF32, Tag::any), anyWeights(weightDims, kF32, Tag::any), anyDst(dstDims, kF32, Tag::any);
  const auto winograd = dnnl::algorithm::convolution_winograd;

  const auto forwardDesc = k.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, winograd, anySrc, anyWeights, plan->bias, anyDst, strides, noPadding, noPadding)
                                  : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, winograd, anySrc, anyWeights, anyDst, strides, noPadding, noPadding);
  const dnnl::convolution_forward::primitive_desc forward(forwardDesc, Engine());
  const dnnl::convolution_backward_data::primitive_desc backwardData(dnnl::convolution_backward_data::desc(winograd, anySrc, anyWeights, anyDst, strides, noPadding, noPadding), Engine(), forward);
  const auto weightsDesc = k.bias ? dnnl::convolution_backward_weights::desc(winograd, anySrc, anyWeights, plan->bias, anyDst, strides, noPadding, noPadding)
                                  : dnnl::convolution_backward_weights::desc(winograd, anySrc, anyWeights, anyDst, strides, noPadding, noPadding);
  const dnnl::convolution_backward_weights::primitive_desc backwardWeights(weightsDesc, Engine(), forward);

  plan->forwardPd = forward;
  plan->backwardDataPd = backwardData;
  plan->backwardWeightsPd = backwardWeights;
  plan->forward = dnnl::convolution_forward(forward);
  plan->backwardData = dnnl::convolution_backward_data(backwardData);
  plan->backwardWeights = dnnl::convolution_backward_weights(backwardWeights);
  plan->srcToForward = Convert(plan->src, forward.src_desc());
  plan->weightsToForward = Convert(plan->weights, forward.weights_desc());
  plan->forwardToDst = Convert(forward.dst_desc(), plan->dst);
  plan->dstToBackwardData = Convert(plan->dst, backwardData.diff_dst_desc());
  plan->weightsToBackwardData = Convert(plan->weights, backwardData.weights_desc());
  plan->backwardDataToSrc = Convert(backwardData.diff_src_desc(), plan->src);
  plan->srcToBackwardWeights = Convert(plan->src, backwardWeights.src_desc());
  plan->dstToBackwardWeights = Convert(plan->dst, backwardWeights.diff_dst_desc());
  plan->backwardWeightsToWeights = Convert(backwardWeights.diff_weights_desc(), plan->weights);
  return plan;
}

// Shapes whose plans are kept. Translating a folder of photos meets a new shape per image size; each plan holds
// JIT-compiled kernels, so the least recently used one goes beyond this many.
constexpr size_t kMaxPlans = 32;

std::mutex plansMutex;
struct CachedPlan {
  std::shared_ptr<Plan> plan;
  uint64_t lastUse;
};
// Never destroyed: at exit, oneDNN's own statics may already be gone when ours would be.
std::map<Key, CachedPlan>& plans = *new std::map<Key, CachedPlan>();

// The plan for a shape, or null where this CPU has no Winograd kernel for it (remembered, so asked once).
std::shared_ptr<Plan> PlanFor(const Key& key) {
  static uint64_t uses = 0;
  std::lock_guard<std::mutex> lock(plansMutex);
  auto found = plans.find(key);
  if (found != plans.end()) {
    found->second.lastUse = ++uses;
    return found->second.plan;
  }
  std::shared_ptr<Plan> plan;
  try {
    plan = BuildPlan(key);
  } catch (const dnnl::error&) {
    plan = nullptr;  // no Winograd implementation here (a CPU without AVX-512, say): libtorch's convolution runs
  }
  if (plans.size() >= kMaxPlans) {
    auto oldest = std::min_element(plans.begin(), plans.end(), [](const auto& a, const auto& b) { return a.second.lastUse < b.second.lastUse; });
    plans.erase(oldest);
  }
  plans.emplace(key, CachedPlan{plan, ++uses});
  return plan;
}

// Scratch memory for one call, from libtorch's allocator (the addon's caching allocator) rather than oneDNN's.
class Buffers {
 public:
  memory Make(const memory::desc& desc) {
    kept_.push_back(at::empty({static_cast<int64_t>(desc.get_size())}, at::TensorOptions().dtype(at::kByte)));
    return memory(desc, Engine(), kept_.back().data_ptr());
  }
  // `t` in the layout `c` converts to: `t` itself when no conversion is needed.
  memory In(const at::Tensor& t, const memory::desc& userDesc, const Conversion& c) {
    memory user(userDesc, Engine(), t.data_ptr());
    if (!c.needed) return user;
    memory converted = Make(c.to);
    c.primitive.execute(Stream(), user, converted);
    return converted;
  }
  // Where a primitive writes a result meant for `out` (a tensor in the caller's layout `userDesc`): `out` itself,
  // or a buffer in the layout the primitive produces, which Finish converts into `out`.
  struct Output {
    memory produced, user;
    const Conversion* conversion;
    void Finish() {
      if (conversion->needed) conversion->primitive.execute(Stream(), produced, user);
    }
  };
  Output Out(const at::Tensor& out, const memory::desc& userDesc, const memory::desc& produced, const Conversion& c) {
    memory user(userDesc, Engine(), out.data_ptr());
    return {c.needed ? Make(produced) : user, user, &c};
  }

 private:
  std::vector<at::Tensor> kept_;
};

at::MemoryFormat FormatOf(bool channelsLast) { return channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous; }

at::Tensor Forward(const Plan& p, const Key& k, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  Buffers buffers;
  at::Tensor y = at::empty({k.n, k.oc, k.h - 2, k.w - 2}, x.options().memory_format(FormatOf(k.channelsLast)));
  auto dst = buffers.Out(y, p.dst, p.forwardPd.dst_desc(), p.forwardToDst);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, buffers.In(x, p.src, p.srcToForward)},
                                       {DNNL_ARG_WEIGHTS, buffers.In(w, p.weights, p.weightsToForward)},
                                       {DNNL_ARG_DST, dst.produced}};
  if (k.bias) args.emplace(DNNL_ARG_BIAS, memory(p.bias, Engine(), b.data_ptr()));
  p.forward.execute(Stream(), args);
  dst.Finish();
  Stream().wait();
  return y;
}

at::Tensor BackwardData(const Plan& p, const Key& k, const at::Tensor& gy, const at::Tensor& w) {
  Buffers buffers;
  const auto& pd = p.backwardDataPd;
  at::Tensor gx = at::empty({k.n, k.ic, k.h, k.w}, gy.options().memory_format(FormatOf(k.channelsLast)));
  auto diffSrc = buffers.Out(gx, p.src, pd.diff_src_desc(), p.backwardDataToSrc);
  p.backwardData.execute(Stream(), {{DNNL_ARG_DIFF_DST, buffers.In(gy, p.dst, p.dstToBackwardData)},
                                    {DNNL_ARG_WEIGHTS, buffers.In(w, p.weights, p.weightsToBackwardData)},
                                    {DNNL_ARG_DIFF_SRC, diffSrc.produced}});
  diffSrc.Finish();
  Stream().wait();
  return gx;
}

std::pair<at::Tensor, at::Tensor> BackwardWeights(const Plan& p, const Key& k, const at::Tensor& x, const at::Tensor& gy) {
  Buffers buffers;
  const auto& pd = p.backwardWeightsPd;
  at::Tensor gw = at::empty({k.oc, k.ic, 3, 3}, x.options());
  at::Tensor gb = k.bias ? at::empty({k.oc}, x.options()) : at::Tensor();
  auto diffWeights = buffers.Out(gw, p.weights, pd.diff_weights_desc(), p.backwardWeightsToWeights);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, buffers.In(x, p.src, p.srcToBackwardWeights)},
                                       {DNNL_ARG_DIFF_DST, buffers.In(gy, p.dst, p.dstToBackwardWeights)},
                                       {DNNL_ARG_DIFF_WEIGHTS, diffWeights.produced}};
  if (k.bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(p.bias, Engine(), gb.data_ptr()));
  p.backwardWeights.execute(Stream(), args);
  diffWeights.Finish();
  Stream().wait();
  return {gw, gb};
}

// A contiguous channels-last tensor that is not also plainly contiguous (a 1x1 image can be both).
bool IsChannelsLast(const at::Tensor& x) { return !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast); }

Key KeyOf(const at::Tensor& x, const at::Tensor& w, bool bias) { return {x.size(0), x.size(1), w.size(0), x.size(2), x.size(3), bias, IsChannelsLast(x)}; }

// The autograd node: libtorch's engine calls backward with the output's gradient. With a bias, forward takes it
// as a third tensor (an undefined tensor cannot be an input of a custom function).
struct WinogradConvFunction : public torch::autograd::Function<WinogradConvFunction> {
  template <class... Bias>
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const Bias&... bias) {
    static_assert(sizeof...(Bias) <= 1, "one bias at most");
    const at::Tensor b = [&] {
      if constexpr (sizeof...(Bias) == 1) return (bias, ...);
      else return at::Tensor();
    }();
    const Key key = KeyOf(x, w, b.defined());
    ctx->save_for_backward({x, w});
    ctx->saved_data["bias"] = b.defined();
    return Forward(*PlanFor(key), key, x, w, b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& w = saved[1];
    const Key key = KeyOf(x, w, ctx->saved_data["bias"].toBool());
    const at::Tensor gy = grads[0].contiguous(FormatOf(key.channelsLast));
    // Held here, not borrowed from the cache: the plan may have been dropped from it since forward.
    const std::shared_ptr<Plan> plan = PlanFor(key);
    at::Tensor gx, gw, gb;
    if (ctx->needs_input_grad(0)) gx = BackwardData(*plan, key, gy, w);
    if (ctx->needs_input_grad(1) || (key.bias && ctx->needs_input_grad(2))) std::tie(gw, gb) = BackwardWeights(*plan, key, x, gy);
    if (key.bias) return {gx, gw, gb};
    return {gx, gw};
  }
};

}  // namespace

size_t WinogradPlans() {
  std::lock_guard<std::mutex> lock(plansMutex);
  return plans.size();
}

at::Tensor MaybeWinogradConv2d(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                               at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (!WinogradEnabled()) return at::Tensor();
  const auto all = [](at::IntArrayRef v, int64_t value) { return std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == value; }); };
  if (!all(stride, 1) || !all(padding, 0) || !all(dilation, 1) || groups != 1) return at::Tensor();
  if (x.dim() != 4 || w.dim() != 4 || w.size(2) != 3 || w.size(3) != 3 || w.size(1) != x.size(1)) return at::Tensor();
  if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || w.scalar_type() != at::kFloat || x.is_mkldnn()) return at::Tensor();
  if (bias && (bias->scalar_type() != at::kFloat || !bias->is_contiguous())) return at::Tensor();
  if (!x.is_contiguous() && !IsChannelsLast(x)) return at::Tensor();
  const int64_t outPixels = (x.size(2) - 2) * (x.size(3) - 2);
  // oneDNN's Winograd kernels work on whole blocks of 16 channels.
  if (outPixels < kMinOutputPixels || std::min(x.size(1), w.size(0)) < kMinChannels || x.size(1) % 16 != 0 || w.size(0) % 16 != 0) return at::Tensor();
  const at::Tensor weights = w.contiguous();
  const Key key = KeyOf(x, weights, bias.has_value());
  if (!PlanFor(key)) return at::Tensor();
  return bias ? WinogradConvFunction::apply(x, weights, *bias) : WinogradConvFunction::apply(x, weights);
}

#endif
