// Process-wide settings and facts: versions, threads, seeds, CUDA, and the allocator tuning.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace mt {
namespace {

// glibc returns large freed blocks to the OS at once (mmap threshold, trim threshold), so every
// training step faults its activation buffers in again as fresh zeroed pages: about 2x slower.
// Keeping them in the heap is PyTorch users' usual fix; MOMENTUM_TORCH_MALLOC=default opts out.
bool tuneAllocator() {
  const char* choice = std::getenv("MOMENTUM_TORCH_MALLOC");
  if (choice && std::strcmp(choice, "default") == 0) return false;
  const int mmapThreshold = 32 * 1024 * 1024;  // glibc's largest allowed value on 64-bit
  const int trimThreshold = 1024 * 1024 * 1024;
  return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1 && mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1;
}

// The CUDA runtime LibTorch was built with, as Python's torch.version.cuda: known with or without a
// GPU; null for a CPU LibTorch, whose CUDA hooks are the stub that refuses the question.
Napi::Value cudaVersion(Napi::Env env) {
  try {
    const long v = at::detail::getCUDAHooks().versionCUDART();
    return Napi::String::New(env, std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10));
  } catch (const c10::Error&) {
    return env.Null();
  }
}

Napi::Value version(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("libtorch", TORCH_VERSION);
  out.Set("cuda", cudaVersion(env));
  return out;
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  int n = argInt(info, 0, "number of threads");
  if (n < 1) throwError(info.Env(), "setNumThreads: expected a positive number of threads, got " + std::to_string(n));
  at::set_num_threads(n);
  return info.Env().Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throwTypeError(info.Env(), "manualSeed takes an integer seed");
  at::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  return info.Env().Undefined();
}

Napi::Value cudaIsAvailable(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), torch::cuda::is_available()); }

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value cudaSynchronize(const Napi::CallbackInfo& info) {
  if (!torch::cuda::is_available()) throwError(info.Env(), "cuda.synchronize: CUDA is not available");
  torch::cuda::synchronize(info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : -1);
  return info.Env().Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  exports.Set("allocatorTuned", Napi::Boolean::New(env, tuneAllocator()));
  define(env, exports, "version", version);
  define(env, exports, "setNumThreads", setNumThreads);
  define(env, exports, "getNumThreads", getNumThreads);
  define(env, exports, "manualSeed", manualSeed);
  define(env, exports, "cudaIsAvailable", cudaIsAvailable);
  define(env, exports, "cudaDeviceCount", cudaDeviceCount);
  define(env, exports, "cudaSynchronize", cudaSynchronize);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
