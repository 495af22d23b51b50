// Data-parallel collectives on libtorch's c10d, the engine under PyTorch's DistributedDataParallel:
// a TCPStore for the rendezvous, ProcessGroupGloo on CPU (ProcessGroupNCCL when built against a CUDA
// libtorch with USE_C10D_NCCL), and the few collectives data-parallel training needs.
//
// Every call that talks to the peers blocks (TCPStore connects, the process group connects a full mesh,
// work->wait() waits for the collective), so each runs on a libuv worker thread and returns a promise:
// the JavaScript thread stays free for progress, Ctrl-C and the dashboard. A group runs one collective
// at a time (the TypeScript side queues them); c10d itself requires every rank to issue the same
// collectives in the same order.
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "convert.h"
#include "register.h"

namespace {

struct Group {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::string backend;
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{60000};
  std::mutex mutex;  // destroy() against a collective still running on a worker thread
};

using GroupPtr = std::shared_ptr<Group>;

// The JavaScript value holding a group: an External that keeps a shared_ptr, so a worker thread that
// still runs a collective keeps the group alive after destroy() dropped the JavaScript side's reference.
GroupPtr& GroupFrom(const Napi::Value& value) {
  if (!value.IsExternal()) throw Napi::TypeError::New(value.Env(), "expected a process group");
  GroupPtr* group = value.As<Napi::External<GroupPtr>>().Data();
  if (!*group) throw Napi::Error::New(value.Env(), "the process group was already destroyed");
  return *group;
}

// Runs `work` on a worker thread; the promise resolves with what `done` makes of the result on the
// JavaScript thread, or rejects with the C++ exception's message.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), done_(std::move(done)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_();
    } catch (const c10::Error& e) {
      SetError(e.what_without_backtrace());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(done_(Env())); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<void()> work_;
  std::function<Napi::Value(Napi::Env)> done_;
};

Napi::Value Queue(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> done) {
  auto* worker = new PromiseWorker(env, std::move(work), std::move(done));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

void Wait(Group& g, const c10::intrusive_ptr<c10d::Work>& work) {
  // wait() throws when a peer failed or the group's timeout passed; both end the run with that message.
  work->wait(g.timeout);
}

// distCreate({backend, rank, worldSize, host, port, isServer, timeoutMs, interface}) -> Promise<{group, port}>
// Rank 0 (isServer) listens on host:port (port 0: any free port, returned); the others connect to it.
// Gloo's own connections bind to `interface` when given (see below).
Napi::Value DistCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "distCreate: expected an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  auto str = [&](const char* k, const char* fallback) { return o.Has(k) && o.Get(k).IsString() ? o.Get(k).As<Napi::String>().Utf8Value() : std::string(fallback); };
  auto num = [&](const char* k, double fallback) { return o.Has(k) && o.Get(k).IsNumber() ? o.Get(k).As<Napi::Number>().DoubleValue() : fallback; };
  auto group = std::make_shared<Group>();
  group->backend = str("backend", "gloo");
  group->rank = static_cast<int>(num("rank", 0));
  group->size = static_cast<int>(num("worldSize", 1));
  group->timeout = std::chrono::milliseconds(static_cast<int64_t>(num("timeoutMs", 60000)));
  const std::string host = str("host", "127.0.0.1");
  const std::string iface = str("interface", "");
  const auto port = static_cast<std::uint16_t>(num("port", 0));
  const bool isServer = o.Has("isServer") && o.Get("isServer").ToBoolean();
  if (group->backend != "gloo") {
#ifndef USE_C10D_NCCL
    throw Napi::Error::New(env, "dist_backend '" + group->backend + "' is not available: this addon was built without NCCL (a CUDA libtorch); use gloo");
#endif
  }
  return Queue(
      env,
      [group, host, iface, port, isServer]() {
        c10d::TCPStoreOptions so;
        so.port = port;
        so.isServer = isServer;
        so.numWorkers = group->size;
        so.waitWorkers = false;  // the process group's own rendezvous below waits for every rank
        so.timeout = group->timeout;
        group->store = c10::make_intrusive<c10d::TCPStore>(host, so);
#ifdef USE_C10D_NCCL
        if (group->backend == "nccl") {
          auto options = c10d::ProcessGroupNCCL::Options::create();
          options->timeout = group->timeout;
          group->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->store, group->rank, group->size, options);
          return;
        }
#endif
        auto options = c10d::ProcessGroupGloo::Options::create(group->timeout);
        // As torch.distributed: a named interface (GLOO_SOCKET_IFNAME), else the loopback address when the master is on
        // this machine's loopback, else the address this machine's hostname resolves to.
        const bool loopback = host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
        options->devices.push_back(!iface.empty() ? c10d::ProcessGroupGloo::createDeviceForInterface(iface)
                                   : loopback     ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                                  : c10d::ProcessGroupGloo::createDefaultDevice());
        options->threads = 2;
        group->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, group->rank, group->size, options);
      },
      [group](Napi::Env env) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("group", Napi::External<GroupPtr>::New(env, new GroupPtr(group), [](Napi::Env, GroupPtr* p) { delete p; }));
        out.Set("port", static_cast<double>(group->store->getPort()));
        return out;
      });
}

// distAllreduceMean(group, params, weight) -> Promise<number>
// Replaces each parameter's gradient by the weighted mean over ranks, sum_r(weight_r * grad_r) / sum_r(weight_r),
// and resolves with sum_r(weight_r). With the local batch size as weight this is the gradient of one batch holding
// every rank's images (the losses are means over images), also when a rank lost images to unreadable files.
// A parameter without a gradient contributes zeros, so every rank reduces the same list.
Napi::Value DistAllreduceMean(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  std::vector<at::Tensor> params = ArgTensors(info, 1, "params");
  const double weight = ArgNumber(info, 2, "weight");
  if (params.empty()) throw Napi::Error::New(info.Env(), "distAllreduceMean: expected at least one parameter");
  std::vector<at::Tensor> grads;
  {
    at::NoGradGuard noGrad;
    for (at::Tensor& p : params) {
      if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
      grads.push_back(p.grad());
    }
  }
  auto total = std::make_shared<double>(0);
  return Queue(
      info.Env(),
      [group, grads, weight, total]() mutable {
        std::lock_guard<std::mutex> lock(group->mutex);
        if (!group->pg) throw std::runtime_error("the process group was destroyed");
        at::NoGradGuard noGrad;
        at::Tensor w = at::full({1}, weight, grads[0].options());
        std::vector<at::Tensor> list;
        for (at::Tensor& g : grads) list.push_back(weight == 1 ? g : g.mul_(weight));
        list.push_back(w);
        if (group->backend == "gloo") {
          Wait(*group, group->pg->allreduce_coalesced(list));
        } else {
          // NCCL has no allreduce_coalesced in libtorch 1.13: reduce one flat buffer, as DDP's buckets do.
          std::vector<at::Tensor> views;
          for (at::Tensor& t : list) views.push_back(t.reshape({-1}));
          std::vector<at::Tensor> flat{at::cat(views)};
          Wait(*group, group->pg->allreduce(flat));
          int64_t offset = 0;
          for (at::Tensor& t : list) {
            t.copy_(flat[0].narrow(0, offset, t.numel()).view_as(t));
            offset += t.numel();
          }
        }
        *total = w.item<double>();
        if (*total > 0) {
          for (at::Tensor& g : grads) g.div_(*total);
        }
      },
      [total](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *total); });
}

// distAllreduceSum(group, tensors) -> Promise<void>: sums each tensor over ranks, in place.
Napi::Value DistAllreduceSum(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  std::vector<at::Tensor> tensors = ArgTensors(info, 1, "tensors");
  return Queue(
      info.Env(),
      [group, tensors]() mutable {
        std::lock_guard<std::mutex> lock(group->mutex);
        if (!group->pg) throw std::runtime_error("the process group was destroyed");
        if (group->backend == "gloo") {
          Wait(*group, group->pg->allreduce_coalesced(tensors));
        } else {
          for (at::Tensor& t : tensors) {
            std::vector<at::Tensor> one{t};
            Wait(*group, group->pg->allreduce(one));
          }
        }
      },
      [](Napi::Env env) { return env.Undefined(); });
}

// distBroadcast(group, tensors, root) -> Promise<void>: every rank's tensors become root's, in place.
Napi::Value DistBroadcast(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  std::vector<at::Tensor> tensors = ArgTensors(info, 1, "tensors");
  const int64_t root = static_cast<int64_t>(ArgNumber(info, 2, "root"));
  return Queue(
      info.Env(),
      [group, tensors, root]() mutable {
        std::lock_guard<std::mutex> lock(group->mutex);
        if (!group->pg) throw std::runtime_error("the process group was destroyed");
        at::NoGradGuard noGrad;
        c10d::BroadcastOptions opts;
        opts.rootRank = root;
        // One tensor per call: c10d's broadcast takes a list of per-device copies of one tensor.
        for (at::Tensor& t : tensors) {
          std::vector<at::Tensor> one{t};
          Wait(*group, group->pg->broadcast(one, opts));
        }
      },
      [](Napi::Env env) { return env.Undefined(); });
}

// distBarrier(group) -> Promise<void>
Napi::Value DistBarrier(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  return Queue(
      info.Env(),
      [group]() {
        std::lock_guard<std::mutex> lock(group->mutex);
        if (!group->pg) throw std::runtime_error("the process group was destroyed");
        Wait(*group, group->pg->barrier());
      },
      [](Napi::Env env) { return env.Undefined(); });
}

// distStoreSet(group, key, value) -> Promise<void>; distStoreGet(group, key, timeoutMs) -> Promise<string | null>
// The rendezvous store, for small facts the ranks share (liveness counters, the launcher's stop request).
Napi::Value DistStoreSet(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  const std::string key = ArgString(info, 1, "key");
  const std::string value = ArgString(info, 2, "value");
  return Queue(
      info.Env(),
      [group, key, value]() {
        c10::intrusive_ptr<c10d::TCPStore> store = group->store;
        if (!store) throw std::runtime_error("the process group was destroyed");
        store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
      },
      [](Napi::Env env) { return env.Undefined(); });
}

Napi::Value DistStoreGet(const Napi::CallbackInfo& info) {
  GroupPtr group = GroupFrom(info[0]);
  const std::string key = ArgString(info, 1, "key");
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(ArgNumber(info, 2, "timeoutMs")));
  auto result = std::make_shared<std::pair<bool, std::string>>(false, "");
  return Queue(
      info.Env(),
      [group, key, timeout, result]() {
        c10::intrusive_ptr<c10d::TCPStore> store = group->store;
        if (!store) throw std::runtime_error("the process group was destroyed");
        if (!store->check({key})) {
          if (timeout.count() == 0) return;
          store->wait({key}, timeout);
        }
        std::vector<uint8_t> bytes = store->get(key);
        *result = {true, std::string(bytes.begin(), bytes.end())};
      },
      [result](Napi::Env env) -> Napi::Value { return result->first ? Napi::String::New(env, result->second) : env.Null(); });
}

// distDestroy(group): drops the process group and the store (rank 0's store server stops with it).
// A collective still running keeps the group until it ends.
Napi::Value DistDestroy(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "expected a process group");
  GroupPtr* holder = info[0].As<Napi::External<GroupPtr>>().Data();
  if (*holder) {
    GroupPtr group = *holder;
    holder->reset();
    std::unique_lock<std::mutex> lock(group->mutex, std::try_to_lock);
    if (lock.owns_lock()) {
      group->pg.reset();
      group->store.reset();
    }
  }
  return info.Env().Undefined();
}

Napi::Value DistBackends(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  out.Set(0u, "gloo");
#ifdef USE_C10D_NCCL
  out.Set(1u, "nccl");
#endif
  return out;
}

}  // namespace

void RegisterDistributed(Napi::Env env, Napi::Object exports) {
  Export<DistCreate>(env, exports, "distCreate");
  Export<DistAllreduceMean>(env, exports, "distAllreduceMean");
  Export<DistAllreduceSum>(env, exports, "distAllreduceSum");
  Export<DistBroadcast>(env, exports, "distBroadcast");
  Export<DistBarrier>(env, exports, "distBarrier");
  Export<DistStoreSet>(env, exports, "distStoreSet");
  Export<DistStoreGet>(env, exports, "distStoreGet");
  Export<DistDestroy>(env, exports, "distDestroy");
  Export<DistBackends>(env, exports, "distBackends");
}
