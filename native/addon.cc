// The addon's entry point: check that the LibTorch the dynamic linker found is the one these
// headers came from, then install every source file's exports (MT_EXPORTS).
#include "common.h"

#include <ATen/Version.h>
#include <torch/version.h>

#include <dlfcn.h>

namespace {

// The version the loaded libtorch_cpu was built as: its build settings carry TORCH_VERSION=x.y.z.
std::string linkedVersion() {
  const std::string config = at::show_config();
  const std::string key = "TORCH_VERSION=";
  const size_t at = config.find(key);
  if (at == std::string::npos) return "unknown";
  const size_t start = at + key.size();
  return config.substr(start, config.find_first_of(", \n", start) - start);
}

// The file the dynamic linker loaded LibTorch's CPU library from.
std::string linkedFile() {
  Dl_info info;
  return dladdr(reinterpret_cast<void*>(&at::show_config), &info) && info.dli_fname ? info.dli_fname : "unknown";
}

Napi::Value linkedLibTorch(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  out.Set("version", linkedVersion());
  out.Set("file", linkedFile());
  return out;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const std::string linked = linkedVersion();
  if (linked != TORCH_VERSION) {
    // The loader (src/native.ts) adds how to rebuild.
    throw Napi::Error::New(env, std::string("momentum-torch: this binary was built for LibTorch ") + TORCH_VERSION +
                                    " but LibTorch " + linked + " was loaded (" + linkedFile() + ")");
  }
  mt::createInstance(env);
  mt::define(env, exports, "linkedLibTorch", linkedLibTorch);
  for (auto init : mt::registry()) init(env, exports);
  return exports;
}

NODE_API_MODULE(momentum_torch, Init)
