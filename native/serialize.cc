// torch.save: PyTorch's zip file format, written by LibTorch's own pickler, which Python's
// torch.load reads. Reading (and the file I/O: atomic writes, errors naming the file) is in
// src/serialization.ts.
#include "ivalue.h"

#include <torch/serialize.h>

namespace mt {
namespace {

// pickleSave(value) -> Buffer holding the zip archive.
Napi::Value pickleSave(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<char> bytes = torch::pickle_save(toIValue(env, info[0], "value"));
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

void init(Napi::Env env, Napi::Object exports) {
  define(env, exports, "pickleSave", pickleSave);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
