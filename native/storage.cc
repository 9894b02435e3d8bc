// Where a tensor lies in its storage, for torch.save: the views of one storage are written as one
// record holding the whole storage, each with its offset and strides, as Python's torch.save does.
#include "common.h"

#include <sstream>

namespace mt {
namespace {

// storagePlacement(t) -> { key, offset, numel, strides }: the key names the storage (its
// StorageImpl, the same for all its views, with the dtype the record is written as); the offset,
// strides and the storage's length are in elements of that dtype.
Napi::Value storagePlacement(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrap(env, info[0]);
  std::ostringstream key;
  key << static_cast<const void*>(t.storage().unsafeGetStorageImpl()) << ' ' << dtypeName(t.scalar_type());
  auto strides = Napi::Array::New(env, t.dim());
  for (int64_t d = 0; d < t.dim(); d++) strides.Set(static_cast<uint32_t>(d), static_cast<double>(t.stride(d)));
  auto out = Napi::Object::New(env);
  out.Set("key", key.str());
  out.Set("offset", static_cast<double>(t.storage_offset()));
  out.Set("numel", static_cast<double>(t.storage().nbytes() / t.element_size()));
  out.Set("strides", strides);
  return out;
}

void init(Napi::Env env, Napi::Object exports) { define(env, exports, "storagePlacement", storagePlacement); }

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
