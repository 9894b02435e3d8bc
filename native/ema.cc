// The EMA of a model's weights in one pass over memory: t = decay * t + (1 - decay) * s for each
// pair of tensors. ATen's mul_ then add_ (what _foreach_mul_ / _foreach_add_ run on the CPU) read
// and write every target twice, 20 bytes a float32 parameter; this reads t and s and writes t
// once, 12 bytes. It rounds exactly as that pair of ops does on AVX2 CPUs: t * decay rounded, then
// one fused multiply-add (ATen's vectorised add with alpha is fmadd(s, alpha, t)), so results are
// bit-identical to the authors' `ema.mul_(alpha).add_(param, alpha=1 - alpha)`. Tensors it cannot
// take (other dtypes or devices, non-contiguous, CPUs without FMA) go through mul_ / add_.
#include "common.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace mt {
namespace {

#if defined(__GNUC__) && defined(__x86_64__)
#define MT_FUSED_EMA 1
__attribute__((target("avx2,fma"))) void fusedRange(float* t, const float* s, int64_t begin, int64_t end, float decay, float rest) {
  for (int64_t i = begin; i < end; i++) t[i] = __builtin_fmaf(s[i], rest, t[i] * decay);
}

bool cpuHasFma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

bool fusable(const at::Tensor& t, const at::Tensor& s) {
  return cpuHasFma() && t.device().is_cpu() && s.device().is_cpu() && t.scalar_type() == at::kFloat &&
         s.scalar_type() == at::kFloat && t.is_contiguous() && s.is_contiguous() && !t.is_same(s);
}

struct Pair {
  float* t;
  const float* s;
  int64_t n;
};

// Below this many floats a share, another thread costs more than it saves.
constexpr int64_t kMinShare = 1 << 18;

// Every pair's elements as one range, cut into at::get_num_threads() contiguous shares, each on
// its own thread. (ATen's parallel_for is OpenMP inlined into its caller, and this addon is built
// without OpenMP: it would run serially here.)
void fusedAll(const std::vector<Pair>& pairs, float decay, float rest) {
  int64_t total = 0;
  for (const Pair& p : pairs) total += p.n;
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), total / kMinShare));
  auto share = [&](int64_t part) {
    const int64_t begin = total * part / parts, end = total * (part + 1) / parts;
    int64_t offset = 0;
    for (const Pair& p : pairs) {
      const int64_t lo = std::max(begin, offset), hi = std::min(end, offset + p.n);
      if (lo < hi) fusedRange(p.t, p.s, lo - offset, hi - offset, decay, rest);
      offset += p.n;
      if (offset >= end) break;
    }
  };
  std::vector<std::thread> workers;
  for (int64_t part = 1; part < parts; part++) {
    try {
      workers.emplace_back(share, part);
    } catch (const std::system_error&) {
      share(part);  // no thread to be had: this one does that share too
    }
  }
  share(0);
  for (std::thread& w : workers) w.join();
}
#endif

// emaAverage(targets: Tensor[], sources: Tensor[], decay: number): targets[i] = decay *
// targets[i] + (1 - decay) * sources[i], without recording autograd.
Napi::Value emaAverage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray()) throwTypeError(env, "emaAverage takes two arrays of tensors and a decay");
  if (!info[2].IsNumber()) throwTypeError(env, "emaAverage: decay must be a number");
  auto targets = info[0].As<Napi::Array>();
  auto sources = info[1].As<Napi::Array>();
  if (targets.Length() != sources.Length()) {
    throwError(env, "emaAverage: " + std::to_string(targets.Length()) + " targets but " + std::to_string(sources.Length()) + " sources");
  }
  const double decay = info[2].As<Napi::Number>().DoubleValue();
  at::NoGradGuard noGrad;
  // Every pair is checked before any is written, so a bad one leaves all targets as they were.
  std::vector<std::pair<at::Tensor, at::Tensor>> all;
  for (uint32_t i = 0; i < targets.Length(); i++) {
    at::Tensor& t = unwrap(env, targets.Get(i), "target");
    const at::Tensor& s = unwrap(env, sources.Get(i), "source");
    if (!t.sizes().equals(s.sizes()) || t.device() != s.device()) {
      throwError(env, "emaAverage: target " + std::to_string(i) + " is " + shapeString(t.sizes()) + " on " + deviceName(t.device()) +
                          " but its source is " + shapeString(s.sizes()) + " on " + deviceName(s.device()));
    }
    all.emplace_back(t, s);
  }
#ifdef MT_FUSED_EMA
  std::vector<Pair> pairs;
#endif
  for (auto& [t, s] : all) {
#ifdef MT_FUSED_EMA
    if (fusable(t, s)) {
      pairs.push_back({t.data_ptr<float>(), s.data_ptr<float>(), t.numel()});
      t.unsafeGetTensorImpl()->bump_version();  // as an in-place ATen op would, for autograd's checks
      continue;
    }
#endif
    t.mul_(decay).add_(s, 1 - decay);
  }
#ifdef MT_FUSED_EMA
  fusedAll(pairs, static_cast<float>(decay), static_cast<float>(1 - decay));
#endif
  return env.Undefined();
}

void init(Napi::Env env, Napi::Object exports) { define(env, exports, "emaAverage", emaAverage); }

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
