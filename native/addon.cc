// The addon's entry point: every source file registered its exports (MT_EXPORTS); install them all.
#include "common.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto init : mt::registry()) init(env, exports);
  return exports;
}

NODE_API_MODULE(momentum_torch, Init)
