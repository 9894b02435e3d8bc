// The EMA of a model's weights in one pass over memory: t = decay * t + (1 - decay) * s for each
// pair of tensors. ATen's mul_ then add_ (what _foreach_mul_ / _foreach_add_ run on the CPU) read
// and write every target twice, 20 bytes a float32 parameter; this reads t and s and writes t
// once, 12 bytes. It rounds exactly as that pair of ops does on AVX2 CPUs: t * decay rounded, then
// one fused multiply-add (ATen's vectorised add with alpha is fmadd(s, alpha, t)), so results are
// bit-identical to the authors' `ema.mul_(alpha).add_(param, alpha=1 - alpha)`. Tensors it cannot
// take (other dtypes or devices, non-contiguous, CPUs without FMA) go through mul_ / add_.
#include "common.h"

#include <ATen/TensorIterator.h>
#include <c10/core/GradMode.h>

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

// t = decay * t + rest * s through a TensorIterator, whose for_each (compiled into LibTorch)
// splits the elements over ATen's own intra-op threads, as ATen's kernels do. (at::parallel_for
// would not: it is OpenMP inlined into its caller, and this addon is built without OpenMP.)
void fusedAverage(const at::Tensor& t, const at::Tensor& s, float decay, float rest) {
  at::TensorIterator iter = at::TensorIteratorConfig().add_output(t).add_input(t).add_input(s).build();
  iter.for_each([&](char** data, const int64_t* strides, int64_t size0, int64_t size1) {
    for (int64_t j = 0; j < size1; j++) {
      char* out = data[0] + j * strides[3];
      const char* in = data[2] + j * strides[5];
      if (strides[0] == sizeof(float) && strides[1] == sizeof(float) && strides[2] == sizeof(float)) {
        fusedRange(reinterpret_cast<float*>(out), reinterpret_cast<const float*>(in), 0, size0, decay, rest);
      } else {
        for (int64_t i = 0; i < size0; i++) fusedRange(reinterpret_cast<float*>(out + i * strides[0]), reinterpret_cast<const float*>(in + i * strides[2]), 0, 1, decay, rest);
      }
    }
  });
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
  for (auto& [t, s] : all) {
#ifdef MT_FUSED_EMA
    if (fusable(t, s)) {
      fusedAverage(t, s, static_cast<float>(decay), static_cast<float>(1 - decay));
      t.unsafeGetTensorImpl()->bump_version();  // as an in-place ATen op would, for autograd's checks
      continue;
    }
#endif
    t.mul_(decay).add_(s, 1 - decay);
  }
  return env.Undefined();
}

void init(Napi::Env env, Napi::Object exports) { define(env, exports, "emaAverage", emaAverage); }

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
