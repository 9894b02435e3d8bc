// Shared pieces of the addon: registration of each file's exports, the error guard, and the
// conversions between JS values and LibTorch's tensors, dtypes and devices.
#pragma once
// A worker terminated while in a native call can no longer take a JS exception: the addon's error
// is then dropped (the worker is ending anyway) instead of escaping node-addon-api's callback
// wrapper, which ends the whole process.
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mt {

// Each source file registers its exports with MT_EXPORTS; addon.cc calls them all at load, so
// adding a file to native/ needs no edit anywhere else.
using InitFn = void (*)(Napi::Env, Napi::Object);
struct Registrar {
  Registrar(InitFn fn);
};
std::vector<InitFn>& registry();
#define MT_EXPORTS(fn) static ::mt::Registrar mt_registrar_(fn)

// Throws a JS Error (as a Napi::Error C++ exception) that names the operation and carries
// LibTorch's own message without its C++ backtrace.
[[noreturn]] void throwFrom(Napi::Env env, const std::string& where, const std::exception& e);
[[noreturn]] void throwError(Napi::Env env, const std::string& message);
[[noreturn]] void throwTypeError(Napi::Env env, const std::string& message);

using Method = Napi::Value (*)(const Napi::CallbackInfo&);
// Exposes `fn` as exports[name], with every C++ exception turned into a JS Error naming `label`
// (by default `name`: the op as the user called it, where the export's name says more).
void define(Napi::Env env, Napi::Object exports, const char* name, Method fn, const char* label = nullptr);

// ---- per-environment state ------------------------------------------------------------------
// Every Node environment that loads the addon (the main thread, each worker) has state of its own:
// its tensors, op table, modules and optimizers. It is the environment's instance data, so no
// thread sees another's and it is freed when its environment ends (a worker's tensors with the
// worker). addon.cc's Init makes it; each source file keeps its own part, made on first use:
// `part<State>(env)` for a default-constructible State of that file's.
class Instance;
void createInstance(Napi::Env env);
Instance& instanceOf(Napi::Env env);

namespace detail {
size_t newPartIndex();
template <typename T>
size_t partIndex() {
  static const size_t index = newPartIndex();
  return index;
}
std::shared_ptr<void>& partSlot(Instance& instance, size_t index);
}  // namespace detail

template <typename T>
T& part(Napi::Env env) {
  std::shared_ptr<void>& slot = detail::partSlot(instanceOf(env), detail::partIndex<T>());
  if (!slot) slot = std::make_shared<T>();
  return *static_cast<T*>(slot.get());
}

// Ids for the objects JS holds by number (TorchScript modules, optimizers): unique in the process,
// so that an id from another thread names nothing here instead of this thread's object.
int newObjectId();

// Tensors cross to JS as numeric handles (see common.cc). The JS Tensor class keeps its handle in
// `_h`; natives take either the handle or the Tensor itself.
Napi::Value wrap(Napi::Env env, at::Tensor tensor);
at::Tensor& unwrap(Napi::Env env, Napi::Value value, const char* what = "tensor");
bool isTensorLike(Napi::Value value);
void disposeHandle(Napi::Env env, Napi::Value value);
// The tensor a bare handle names in this environment, or null; then whyUnusable says why, to
// follow the argument's name in an error ("has been disposed and cannot be used").
at::Tensor* findHandle(Napi::Env env, double handle);
const char* whyUnusable(Napi::Env env, double handle);

at::ScalarType parseDtype(Napi::Env env, Napi::Value value);
const char* dtypeName(at::ScalarType type);
at::Device parseDevice(Napi::Env env, Napi::Value value);
std::string deviceName(const at::Device& device);
std::string shapeString(at::IntArrayRef sizes);
std::vector<int64_t> parseIntList(Napi::Env env, Napi::Value value, const char* what);

// Whether a JS number is an integer (one int64 can hold).
inline bool isIntegral(double d) { return d == static_cast<double>(static_cast<int64_t>(d)); }

// A JS number as ATen takes a Python one: an int when integral (so int tensors stay int), else a double.
at::Scalar numberScalar(double d);

// A scalar standing for a tensor: a 0-dim "wrapped number", so type promotion treats it as
// Python's `t + 2` does (a float32 tensor plus 2 stays float32).
at::Tensor wrappedNumber(const at::Scalar& value);

inline int32_t argInt(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throwTypeError(info.Env(), std::string(what) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int32_t>(d))) {
    throwTypeError(info.Env(), std::string(what) + " must be an integer, got " + info[i].ToString().Utf8Value());
  }
  return static_cast<int32_t>(d);
}

}  // namespace mt
