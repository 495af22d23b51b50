// Convolutions that call oneDNN directly, as libtorch custom autograd functions, with one plan per shape.
//
// They use the same shared libdnnl.so.2 that Debian's libtorch links: only such builds (CYCLEGAN_ONEDNN) have them.
// Elsewhere (pip wheels link oneDNN statically) OnednnConv2d returns an undefined tensor and libtorch convolves.
//
// Three kinds share the machinery (onednn_conv.h): Winograd (winograd_conv.cc says when it pays), and direct
// convolutions in float32 or in bfloat16 on float32 tensors (direct_conv.cc). For bfloat16, libtorch's way is a
// dtype-and-layout copy before and after each convolution and its gradients; here oneDNN's reorders do each cast and
// layout change in one pass, the forward writes float32 directly, the weight gradient is accumulated in float32, and
// the weights' conversions are made once per optimizer phase.
#include "onednn_conv.h"

#include <algorithm>

#ifndef CYCLEGAN_ONEDNN

bool OnednnBuilt() { return false; }
at::Tensor OnednnConv2d(OnednnConvKind, const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, at::IntArrayRef, at::IntArrayRef) {
  return at::Tensor();
}
size_t OnednnConvPlans(OnednnConvKind) { return 0; }
bool OnednnConvApplies(const at::Tensor&, const at::Tensor&, const c10::optional<at::Tensor>&, at::IntArrayRef, at::IntArrayRef, at::IntArrayRef, int64_t) {
  return false;
}
bool AllEqual(at::IntArrayRef v, int64_t value) { return std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == value; }); }
void BeginWeightCache() {}
void EndWeightCache() {}
size_t WeightCacheEntries() { return 0; }
bool IsChannelsLast(const at::Tensor& x) { return !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast); }
bool OnednnRelayout(const at::Tensor&, const at::Tensor&) { return false; }

#else

#include <torch/csrc/autograd/custom_function.h>

#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <tuple>
#include <unordered_map>

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr auto kF32 = memory::data_type::f32;
constexpr auto kBf16 = memory::data_type::bf16;

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

struct Key {
  OnednnConvKind kind;
  // Zero padding on each side: top, bottom, left, right.
  int64_t n, ic, oc, h, w, kh, kw, sh, sw, pt, pb, pl, pr;
  bool bias, channelsLast;
  auto Fields() const { return std::tie(kind, n, ic, oc, h, w, kh, kw, sh, sw, pt, pb, pl, pr, bias, channelsLast); }
  bool operator<(const Key& o) const { return Fields() < o.Fields(); }
  int64_t OutH() const { return (h + pt + pb - kh) / sh + 1; }
  int64_t OutW() const { return (w + pl + pr - kw) / sw + 1; }
};

// A layout (or data type) change made once per plan: `needed` is false when oneDNN takes the layout as it is.
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
  memory::desc src, weights, dst, bias;  // the caller's layouts, float32
  // What forward keeps for the weight gradient: the caller's x (float32), or in bfloat16 x as forward consumed it
  // (half the bytes, and no second cast).
  memory::desc saved;
  bool savesConverted = false;
  // bfloat16 only: weight conversions kept for the phase (CachedWeight). In float32 the two layouts (forward and
  // backward data) of every generator weight took 186 MB more peak RSS at 64 px, for 4% of the step.
  bool cachesWeights = false;
  dnnl::convolution_forward forward;
  dnnl::convolution_backward_data backwardData;
  dnnl::convolution_backward_weights backwardWeights;
  memory::desc forwardDst, backwardDataDiffSrc, backwardWeightsDiffWeights;
  Conversion srcToForward, weightsToForward, forwardToDst;
  Conversion dstToBackwardData, weightsToBackwardData, backwardDataToSrc;
  Conversion savedToBackwardWeights, dstToBackwardWeights, backwardWeightsToWeights;
  // Both backward passes take the output gradient in the same layout: it is converted once.
  bool sharedDiffDst = false;
};

std::shared_ptr<Plan> BuildPlan(const Key& k) {
  const memory::dims srcDims{k.n, k.ic, k.h, k.w}, weightDims{k.oc, k.ic, k.kh, k.kw}, dstDims{k.n, k.oc, k.OutH(), k.OutW()};
  const memory::dims strides{k.sh, k.sw}, padding{k.pt, k.pl}, paddingEnd{k.pb, k.pr};
  const Tag activations = k.channelsLast ? Tag::nhwc : Tag::nchw;
  auto plan = std::make_shared<Plan>();
  plan->src = memory::desc(srcDims, kF32, activations);
  plan->weights = memory::desc(weightDims, kF32, Tag::oihw);
  plan->dst = memory::desc(dstDims, kF32, activations);
  plan->bias = k.bias ? memory::desc({k.oc}, kF32, Tag::x) : memory::desc();
  // The operands a kernel multiplies are in `compute`; what it produces (output, input and weight gradients) is
  // float32 either way.
  const bool bf16 = k.kind == OnednnConvKind::kBf16;
  const auto compute = bf16 ? kBf16 : kF32;
  const auto algorithm = k.kind == OnednnConvKind::kWinograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
  const memory::desc src(srcDims, compute, Tag::any), weights(weightDims, compute, Tag::any), dst(dstDims, compute, Tag::any);
  const memory::desc srcF32(srcDims, kF32, Tag::any), weightsF32(weightDims, kF32, Tag::any), dstF32(dstDims, kF32, Tag::any);
  const auto training = dnnl::prop_kind::forward_training;

  const auto forwardDesc = k.bias ? dnnl::convolution_forward::desc(training, algorithm, src, weights, plan->bias, dstF32, strides, padding, paddingEnd)
                                  : dnnl::convolution_forward::desc(training, algorithm, src, weights, dstF32, strides, padding, paddingEnd);
  const dnnl::convolution_forward::primitive_desc forward(forwardDesc, Engine());
  const dnnl::convolution_backward_data::primitive_desc backwardData(dnnl::convolution_backward_data::desc(algorithm, srcF32, weights, dst, strides, padding, paddingEnd), Engine(), forward);
  const auto weightsDesc = k.bias ? dnnl::convolution_backward_weights::desc(algorithm, src, weightsF32, plan->bias, dst, strides, padding, paddingEnd)
                                  : dnnl::convolution_backward_weights::desc(algorithm, src, weightsF32, dst, strides, padding, paddingEnd);
  const dnnl::convolution_backward_weights::primitive_desc backwardWeights(weightsDesc, Engine(), forward);

  plan->forward = dnnl::convolution_forward(forward);
  plan->backwardData = dnnl::convolution_backward_data(backwardData);
  plan->backwardWeights = dnnl::convolution_backward_weights(backwardWeights);
  plan->forwardDst = forward.dst_desc();
  plan->backwardDataDiffSrc = backwardData.diff_src_desc();
  plan->backwardWeightsDiffWeights = backwardWeights.diff_weights_desc();
  plan->savesConverted = bf16;
  plan->cachesWeights = bf16;
  plan->saved = plan->savesConverted ? forward.src_desc() : plan->src;
  plan->srcToForward = Convert(plan->src, forward.src_desc());
  plan->weightsToForward = Convert(plan->weights, forward.weights_desc());
  plan->forwardToDst = Convert(forward.dst_desc(), plan->dst);
  plan->dstToBackwardData = Convert(plan->dst, backwardData.diff_dst_desc());
  plan->weightsToBackwardData = Convert(plan->weights, backwardData.weights_desc());
  plan->backwardDataToSrc = Convert(backwardData.diff_src_desc(), plan->src);
  plan->savedToBackwardWeights = Convert(plan->saved, backwardWeights.src_desc());
  plan->dstToBackwardWeights = Convert(plan->dst, backwardWeights.diff_dst_desc());
  plan->backwardWeightsToWeights = Convert(backwardWeights.diff_weights_desc(), plan->weights);
  plan->sharedDiffDst = backwardData.diff_dst_desc() == backwardWeights.diff_dst_desc();
  return plan;
}

// Shapes of each kind whose plans are kept. Translating a folder of photos meets a new shape per image size; each
// plan holds JIT-compiled kernels, so beyond this many the least recently used one goes.
constexpr size_t kMaxPlans = 32;

std::mutex plansMutex;
struct CachedPlan {
  std::shared_ptr<Plan> plan;
  uint64_t lastUse;
};
// Never destroyed: at exit, oneDNN's own statics may already be gone when ours would be.
std::map<Key, CachedPlan>& plans = *new std::map<Key, CachedPlan>();

size_t CountPlans(OnednnConvKind kind) {
  return std::count_if(plans.begin(), plans.end(), [&](const auto& entry) { return entry.first.kind == kind; });
}

// The plan for a shape, or null where this CPU has no kernel for it (remembered, so asked once).
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
    plan = nullptr;  // no such kernel here (Winograd on a CPU without AVX-512, say): libtorch's convolution runs
  }
  if (CountPlans(key.kind) >= kMaxPlans) {
    auto oldest = plans.end();
    for (auto it = plans.begin(); it != plans.end(); ++it) {
      if (it->first.kind == key.kind && (oldest == plans.end() || it->second.lastUse < oldest->second.lastUse)) oldest = it;
    }
    plans.erase(oldest);
  }
  plans.emplace(key, CachedPlan{plan, ++uses});
  return plan;
}

at::Tensor Bytes(const memory::desc& desc) { return at::empty({static_cast<int64_t>(desc.get_size())}, at::TensorOptions().dtype(at::kByte)); }

// Weight conversions kept for one phase (BeginWeightCache). An entry holds its weight, so the weight's memory cannot
// be reused by another tensor while the entry could be found by its address.
struct WeightCacheEntry {
  at::Tensor weight;
  uint32_t version;
  memory::desc layout;
  at::Tensor converted;
};
bool weightCacheOn = false;
std::vector<WeightCacheEntry>& weightCache = *new std::vector<WeightCacheEntry>();

// `w` converted by `c`, from the phase's cache when it is on and `w` is a leaf (a parameter, not a tensor computed
// from one, which would be new at every call).
at::Tensor CachedWeight(const at::Tensor& w, const memory::desc& userDesc, const Conversion& c) {
  if (!weightCacheOn || !w.is_leaf()) return at::Tensor();
  const uint32_t version = w._version();
  for (auto& entry : weightCache) {
    if (entry.weight.unsafeGetTensorImpl() != w.unsafeGetTensorImpl() || !(entry.layout == c.to)) continue;
    if (entry.version != version) {
      memory user(userDesc, Engine(), w.data_ptr()), converted(c.to, Engine(), entry.converted.data_ptr());
      c.primitive.execute(Stream(), user, converted);
      entry.version = version;
    }
    return entry.converted;
  }
  at::Tensor converted = Bytes(c.to);
  memory user(userDesc, Engine(), w.data_ptr()), out(c.to, Engine(), converted.data_ptr());
  c.primitive.execute(Stream(), user, out);
  weightCache.push_back({w, version, c.to, converted});
  return converted;
}

// Scratch memory for one call, from libtorch's allocator (the addon's caching allocator) rather than oneDNN's.
class Buffers {
 public:
  memory Make(const memory::desc& desc) {
    kept_.push_back(Bytes(desc));
    return memory(desc, Engine(), kept_.back().data_ptr());
  }
  // Weights `w` in the layout `c` converts to, converted once per phase where the cache allows (CachedWeight).
  memory Weights(const at::Tensor& w, const memory::desc& userDesc, const Conversion& c, bool cache) {
    if (c.needed && cache) {
      at::Tensor cached = CachedWeight(w, userDesc, c);
      if (cached.defined()) {
        kept_.push_back(cached);
        return memory(c.to, Engine(), cached.data_ptr());
      }
    }
    return In(w, userDesc, c);
  }
  // `t` (in layout `userDesc`) in the layout `c` converts to: `t` itself when no conversion is needed.
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

// The output, and what backward needs of x: x itself, or x as the forward kernel took it.
std::pair<at::Tensor, at::Tensor> Forward(const Plan& p, const Key& k, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  Buffers buffers;
  at::Tensor y = at::empty({k.n, k.oc, k.OutH(), k.OutW()}, x.options().memory_format(FormatOf(k.channelsLast)));
  auto dst = buffers.Out(y, p.dst, p.forwardDst, p.forwardToDst);
  at::Tensor saved = x;
  memory src;
  if (p.savesConverted && p.srcToForward.needed) {
    saved = Bytes(p.srcToForward.to);
    src = memory(p.srcToForward.to, Engine(), saved.data_ptr());
    memory user(p.src, Engine(), x.data_ptr());
    p.srcToForward.primitive.execute(Stream(), user, src);
  } else {
    src = buffers.In(x, p.src, p.srcToForward);
  }
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, buffers.Weights(w, p.weights, p.weightsToForward, p.cachesWeights)}, {DNNL_ARG_DST, dst.produced}};
  if (k.bias) args.emplace(DNNL_ARG_BIAS, memory(p.bias, Engine(), b.data_ptr()));
  p.forward.execute(Stream(), args);
  dst.Finish();
  Stream().wait();
  return {y, saved};
}

// Input, weight and bias gradients, each undefined unless asked for.
std::tuple<at::Tensor, at::Tensor, at::Tensor> Backward(const Plan& p, const Key& k, const at::Tensor& saved, const at::Tensor& w, const at::Tensor& gy,
                                                        bool inputGrad, bool weightGrad) {
  Buffers buffers;
  at::Tensor gx, gw, gb;
  memory diffDst;  // gy as backward data took it, when backward weights takes the same
  if (inputGrad) {
    gx = at::empty({k.n, k.ic, k.h, k.w}, gy.options().memory_format(FormatOf(k.channelsLast)));
    auto diffSrc = buffers.Out(gx, p.src, p.backwardDataDiffSrc, p.backwardDataToSrc);
    diffDst = buffers.In(gy, p.dst, p.dstToBackwardData);
    p.backwardData.execute(Stream(), {{DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_WEIGHTS, buffers.Weights(w, p.weights, p.weightsToBackwardData, p.cachesWeights)}, {DNNL_ARG_DIFF_SRC, diffSrc.produced}});
    diffSrc.Finish();
  }
  if (weightGrad) {
    gw = at::empty({k.oc, k.ic, k.kh, k.kw}, w.options());
    if (k.bias) gb = at::empty({k.oc}, w.options());
    auto diffWeights = buffers.Out(gw, p.weights, p.backwardWeightsDiffWeights, p.backwardWeightsToWeights);
    if (!(inputGrad && p.sharedDiffDst)) diffDst = buffers.In(gy, p.dst, p.dstToBackwardWeights);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, buffers.In(saved, p.saved, p.savedToBackwardWeights)}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, diffWeights.produced}};
    if (k.bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(p.bias, Engine(), gb.data_ptr()));
    p.backwardWeights.execute(Stream(), args);
    diffWeights.Finish();
  }
  Stream().wait();
  return {gx, gw, gb};
}

// The autograd node: libtorch's engine calls backward with the output's gradient. With a bias, forward takes it as a
// third tensor (an undefined tensor cannot be an input of a custom function).
struct OnednnConvFunction : public torch::autograd::Function<OnednnConvFunction> {
  template <class... Bias>
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const Key& key, const at::Tensor& x, const at::Tensor& w, const Bias&... bias) {
    static_assert(sizeof...(Bias) <= 1, "one bias at most");
    const at::Tensor b = [&] {
      if constexpr (sizeof...(Bias) == 1) return (bias, ...);
      else return at::Tensor();
    }();
    auto [y, saved] = Forward(*PlanFor(key), key, x, w, b);
    ctx->save_for_backward({saved, w});
    ctx->saved_data["key"] = c10::IValue(std::vector<int64_t>{static_cast<int64_t>(key.kind), key.n, key.ic, key.oc, key.h, key.w, key.kh, key.kw, key.sh,
                                                              key.sw, key.pt, key.pb, key.pl, key.pr, key.bias, key.channelsLast});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto f = ctx->saved_data["key"].toIntVector();
    const Key key{static_cast<OnednnConvKind>(f[0]), f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[12], f[13], f[14] != 0, f[15] != 0};
    const at::Tensor gy = grads[0].contiguous(FormatOf(key.channelsLast));
    // Held here, not borrowed from the cache: the plan may have been dropped from it since forward.
    const std::shared_ptr<Plan> plan = PlanFor(key);
    // needs_input_grad counts tensor inputs only (x, w, the bias); the gradients returned line up with every input,
    // the key first.
    const bool weightGrad = ctx->needs_input_grad(1) || (key.bias && ctx->needs_input_grad(2));
    auto [gx, gw, gb] = Backward(*plan, key, saved[0], saved[1], gy, ctx->needs_input_grad(0), weightGrad);
    if (key.bias) return {at::Tensor(), gx, gw, gb};
    return {at::Tensor(), gx, gw};
  }
};

}  // namespace

bool OnednnBuilt() { return true; }

bool OnednnRelayout(const at::Tensor& from, const at::Tensor& to) {
  const memory::dims dims(from.sizes().begin(), from.sizes().end());
  auto desc = [&](const at::Tensor& t) { return memory::desc(dims, kF32, IsChannelsLast(t) ? Tag::nhwc : Tag::nchw); };
  memory src(desc(from), Engine(), from.data_ptr()), dst(desc(to), Engine(), to.data_ptr());
  dnnl::reorder(src, dst).execute(Stream(), src, dst);
  Stream().wait();
  return true;
}

bool IsChannelsLast(const at::Tensor& x) { return !x.is_contiguous() && x.is_contiguous(at::MemoryFormat::ChannelsLast); }

bool AllEqual(at::IntArrayRef v, int64_t value) { return std::all_of(v.begin(), v.end(), [&](int64_t e) { return e == value; }); }

bool OnednnConvApplies(const at::Tensor& x, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                       at::IntArrayRef padding, at::IntArrayRef dilation, int64_t groups) {
  if (stride.size() != 2 || (padding.size() != 2 && padding.size() != 4) || !AllEqual(dilation, 1) || groups != 1) return false;
  if (x.dim() != 4 || w.dim() != 4 || w.size(1) != x.size(1)) return false;
  if (!x.device().is_cpu() || x.is_mkldnn() || x.scalar_type() != at::kFloat || w.scalar_type() != at::kFloat) return false;
  return !bias || (bias->scalar_type() == at::kFloat && bias->is_contiguous());
}

void BeginWeightCache() { weightCacheOn = true; }

void EndWeightCache() {
  weightCacheOn = false;
  weightCache.clear();
}

size_t WeightCacheEntries() { return weightCache.size(); }

size_t OnednnConvPlans(OnednnConvKind kind) {
  std::lock_guard<std::mutex> lock(plansMutex);
  return CountPlans(kind);
}

at::Tensor OnednnConv2d(OnednnConvKind kind, const at::Tensor& input, const at::Tensor& w, const c10::optional<at::Tensor>& bias, at::IntArrayRef stride,
                        at::IntArrayRef padding) {
  // A view of a channels-last tensor (a slice) is copied channels-last, the layout oneDNN's kernels read.
  const at::Tensor x = input.is_contiguous() || IsChannelsLast(input) ? input : input.contiguous(input.suggest_memory_format());
  const at::Tensor weights = w.contiguous();
  const bool sides = padding.size() == 4;  // [top, bottom, left, right], else [height, width] for both sides
  const int64_t top = padding[0], bottom = sides ? padding[1] : padding[0], left = sides ? padding[2] : padding[1], right = sides ? padding[3] : padding[1];
  const Key key{kind,      x.size(0), x.size(1), weights.size(0), x.size(2), x.size(3), weights.size(2),  weights.size(3),
                stride[0], stride[1], top,       bottom,          left,      right,     bias.has_value(), IsChannelsLast(x)};
  if (!PlanFor(key)) return at::Tensor();
  return bias ? OnednnConvFunction::apply(key, x, weights, *bias) : OnednnConvFunction::apply(key, x, weights);
}

#endif
