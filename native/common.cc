#include "common.h"

#include <c10/util/Exception.h>

#include <atomic>
#include <bitset>
#include <cmath>
#include <mutex>
#include <unordered_map>

namespace mt {

std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;
  return fns;
}

Registrar::Registrar(InitFn fn) { registry().push_back(fn); }

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

void throwFrom(Napi::Env env, const std::string& where, const std::exception& e) {
  if (auto napiError = dynamic_cast<const Napi::Error*>(&e)) throw *napiError;
  std::string message;
  if (auto torchError = dynamic_cast<const c10::Error*>(&e)) message = torchError->what_without_backtrace();
  else message = e.what();
  throw Napi::Error::New(env, where + ": " + trimmed(message));
}

void throwError(Napi::Env env, const std::string& message) { throw Napi::Error::New(env, message); }

void throwTypeError(Napi::Env env, const std::string& message) { throw Napi::TypeError::New(env, message); }

void define(Napi::Env env, Napi::Object exports, const char* name, Method fn, const char* errorLabel) {
  std::string label(errorLabel ? errorLabel : name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, label](const Napi::CallbackInfo& info) -> Napi::Value {
                          try {
                            return fn(info);
                          } catch (const Napi::Error&) {
                            throw;
                          } catch (const std::exception& e) {
                            throwFrom(info.Env(), label, e);
                          }
                        },
                        name));
}

// ---- per-environment state and tensor handles --------------------------------------------------
// A handle is a number: slot index + environment tag * 2^24 + generation * 2^32, within a double's
// 53 exact bits. Numbers cross N-API far cheaper than Externals with finalizers; the generation
// makes a stale handle an error, never another tensor, and the tag does the same for a handle
// from another thread. JS owns lifetimes: dispose(), tidy() scopes, and a FinalizationRegistry as
// the backstop.

namespace {

constexpr int kSlotBits = 24;                               // 2^24 live tensors in one environment
constexpr int kTagBits = 8;                                 // 256 environments at once
constexpr int kGenerationBits = 53 - kSlotBits - kTagBits;  // 21
constexpr uint32_t kTags = 1u << kTagBits;
constexpr uint32_t kLastGeneration = (1u << kGenerationBits) - 1;
constexpr uint32_t kSlots = 1u << kSlotBits;
constexpr double kHandleLimit = 9007199254740992.0;  // 2^53

struct Slot {
  at::Tensor tensor;
  uint32_t generation = 0;
  int64_t bytes = 0;
  bool cuda = false;
};

struct Accounting {
  int64_t tensors = 0;
  int64_t bytes = 0;
  int64_t cudaBytes = 0;
};

// The tags of the live environments. A new environment takes the first free tag after the last
// one taken, so that a tag comes back into use as late as possible. Locked only as environments
// start and end; never destroyed, since an environment may end while the process exits.
class Tags {
 public:
  bool take(uint32_t* tag) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (uint32_t i = 0; i < kTags; i++) {
      const uint32_t candidate = (next_ + i) % kTags;
      if (used_[candidate]) continue;
      used_[candidate] = true;
      next_ = candidate + 1;
      *tag = candidate;
      return true;
    }
    return false;
  }

  void give(uint32_t tag) {
    std::lock_guard<std::mutex> lock(mutex_);
    used_[tag] = false;
  }

 private:
  std::mutex mutex_;
  std::bitset<kTags> used_;
  uint32_t next_ = 0;
};

Tags& tags() {
  static Tags* all = new Tags;
  return *all;
}

}  // namespace

class Instance {
 public:
  explicit Instance(uint32_t tag) : tag(tag) {}
  ~Instance() { tags().give(tag); }

  const uint32_t tag;
  std::vector<Slot> slots;
  std::vector<uint32_t> freeSlots;
  Accounting accounting;
  std::vector<std::shared_ptr<void>> parts;  // each source file's state (part<T>)
};

void createInstance(Napi::Env env) {
  uint32_t tag;
  if (!tags().take(&tag)) throwError(env, "momentum-torch is in use by 256 threads already: end a worker first");
  env.SetInstanceData(new Instance(tag));
}

Instance& instanceOf(Napi::Env env) { return *env.GetInstanceData<Instance>(); }

size_t detail::newPartIndex() {
  static std::atomic<size_t> next{0};
  return next++;
}

std::shared_ptr<void>& detail::partSlot(Instance& instance, size_t index) {
  if (index >= instance.parts.size()) instance.parts.resize(index + 1);
  return instance.parts[index];
}

int newObjectId() {
  static std::atomic<int> next{1};
  return next++;
}

namespace {

int64_t tensorBytes(const at::Tensor& t) {
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

uint32_t tagOf(uint64_t bits) { return static_cast<uint32_t>(bits >> kSlotBits) & (kTags - 1); }

Slot* slotOf(Instance& instance, double handle) {
  if (!(handle >= 0 && handle < kHandleLimit)) return nullptr;
  const uint64_t bits = static_cast<uint64_t>(handle);
  const uint32_t index = static_cast<uint32_t>(bits & (kSlots - 1));
  const uint32_t generation = static_cast<uint32_t>(bits >> (kSlotBits + kTagBits));
  if (tagOf(bits) != instance.tag || index >= instance.slots.size()) return nullptr;
  Slot& slot = instance.slots[index];
  if (slot.generation != generation || !slot.tensor.defined()) return nullptr;
  return &slot;
}

double handleOf(const Napi::Value& value, bool* isTensor) {
  *isTensor = true;
  if (value.IsNumber()) return value.As<Napi::Number>().DoubleValue();
  if (value.IsObject()) {
    Napi::Value inner = value.As<Napi::Object>().Get("_h");
    if (inner.IsNumber()) return inner.As<Napi::Number>().DoubleValue();
  }
  *isTensor = false;
  return -1;
}

}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  Instance& instance = instanceOf(env);
  uint32_t index;
  if (instance.freeSlots.empty()) {
    if (instance.slots.size() >= kSlots) throwError(env, "too many live tensors (16M): dispose some");
    index = static_cast<uint32_t>(instance.slots.size());
    instance.slots.emplace_back();
  } else {
    index = instance.freeSlots.back();
    instance.freeSlots.pop_back();
  }
  Slot& slot = instance.slots[index];
  slot.cuda = tensor.is_cuda();
  slot.bytes = tensorBytes(tensor);
  slot.tensor = std::move(tensor);
  instance.accounting.tensors += 1;
  (slot.cuda ? instance.accounting.cudaBytes : instance.accounting.bytes) += slot.bytes;
  if (!slot.cuda && slot.bytes >= 4096) Napi::MemoryManagement::AdjustExternalMemory(env, slot.bytes);
  const uint64_t bits = index | static_cast<uint64_t>(instance.tag) << kSlotBits |
                        static_cast<uint64_t>(slot.generation) << (kSlotBits + kTagBits);
  return Napi::Number::New(env, static_cast<double>(bits));
}

bool isTensorLike(Napi::Value value) {
  if (!value.IsObject() || value.IsArray()) return false;
  return value.As<Napi::Object>().Get("_h").IsNumber();
}

at::Tensor* findHandle(Napi::Env env, double handle) {
  Slot* slot = slotOf(instanceOf(env), handle);
  return slot ? &slot->tensor : nullptr;
}

const char* whyUnusable(Napi::Env env, double handle) {
  const bool foreign = handle >= 0 && handle < kHandleLimit && tagOf(static_cast<uint64_t>(handle)) != instanceOf(env).tag;
  return foreign ? "belongs to another thread and cannot be used here (send its data instead)"
                 : "has been disposed and cannot be used";
}

at::Tensor& unwrap(Napi::Env env, Napi::Value value, const char* what) {
  bool isTensor;
  double handle = handleOf(value, &isTensor);
  if (!isTensor) throwTypeError(env, std::string(what) + " must be a Tensor");
  at::Tensor* tensor = findHandle(env, handle);
  if (!tensor) throwError(env, std::string(what) + " " + whyUnusable(env, handle));
  return *tensor;
}

void disposeHandle(Napi::Env env, Napi::Value value) {
  bool isTensor;
  Instance& instance = instanceOf(env);
  Slot* slot = slotOf(instance, handleOf(value, &isTensor));
  if (!slot) return;  // disposing twice is harmless
  instance.accounting.tensors -= 1;
  (slot->cuda ? instance.accounting.cudaBytes : instance.accounting.bytes) -= slot->bytes;
  if (!slot->cuda && slot->bytes >= 4096) Napi::MemoryManagement::AdjustExternalMemory(env, -slot->bytes);
  slot->tensor = at::Tensor();
  // A slot whose generation would wrap around is retired, so that no stale handle names a newer tensor.
  if (slot->generation == kLastGeneration) return;
  slot->generation += 1;
  instance.freeSlots.push_back(static_cast<uint32_t>(slot - instance.slots.data()));
}

// ---- numbers -----------------------------------------------------------------------------------

at::Scalar numberScalar(double d) { return isIntegral(d) ? at::Scalar(static_cast<int64_t>(d)) : at::Scalar(d); }

at::Tensor wrappedNumber(const at::Scalar& value) {
  at::Tensor t = at::scalar_to_tensor(value);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

// ---- dtypes and devices -----------------------------------------------------------------------

namespace {

const std::pair<const char*, at::ScalarType> kDtypes[] = {
    {"float32", at::kFloat}, {"float64", at::kDouble}, {"float16", at::kHalf}, {"bfloat16", at::kBFloat16},
    {"int64", at::kLong},    {"int32", at::kInt},      {"int16", at::kShort},  {"int8", at::kChar},
    {"uint8", at::kByte},    {"bool", at::kBool},      {"complex64", at::kComplexFloat},
    {"complex128", at::kComplexDouble},
};

const char* kDtypeList = "float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool";

}  // namespace

at::ScalarType parseDtype(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) throwTypeError(env, std::string("dtype must be a string, one of ") + kDtypeList);
  std::string name = value.As<Napi::String>().Utf8Value();
  static const std::unordered_map<std::string, at::ScalarType> aliases = {
      {"float", at::kFloat}, {"double", at::kDouble}, {"half", at::kHalf}, {"long", at::kLong}, {"int", at::kInt},
  };
  for (const auto& [key, type] : kDtypes)
    if (name == key) return type;
  auto alias = aliases.find(name);
  if (alias != aliases.end()) return alias->second;
  throwTypeError(env, "unknown dtype '" + name + "': expected one of " + kDtypeList);
}

const char* dtypeName(at::ScalarType type) {
  for (const auto& [key, t] : kDtypes)
    if (t == type) return key;
  return c10::toString(type);
}

at::Device parseDevice(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) throwTypeError(env, "device must be a string such as 'cpu', 'cuda' or 'cuda:1'");
  std::string name = value.As<Napi::String>().Utf8Value();
  at::Device device(at::kCPU);
  try {
    device = at::Device(name);
  } catch (const std::exception&) {
    throwTypeError(env, "unknown device '" + name + "': expected 'cpu', 'cuda' or 'cuda:N'");
  }
  if (device.is_cuda()) {
    if (!at::hasCUDA()) {
      throwError(env, "device '" + name + "' requested but CUDA is not available (this LibTorch has no CUDA support or no GPU is visible)");
    }
    if (device.has_index() && device.index() >= static_cast<int>(at::detail::getCUDAHooks().getNumGPUs())) {
      throwError(env, "device '" + name + "' does not exist: " +
                          std::to_string(at::detail::getCUDAHooks().getNumGPUs()) + " CUDA device(s) visible");
    }
  } else if (!device.is_cpu()) {
    throwTypeError(env, "unsupported device '" + name + "': expected 'cpu' or 'cuda[:N]'");
  }
  return device;
}

std::string deviceName(const at::Device& device) { return device.str(); }

std::string shapeString(at::IntArrayRef sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); i++) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

std::vector<int64_t> parseIntList(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsArray()) throwTypeError(env, std::string(what) + " must be an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) throwTypeError(env, std::string(what) + " must be an array of integers");
    double d = item.As<Napi::Number>().DoubleValue();
    if (!isIntegral(d)) {
      throwTypeError(env, std::string(what) + " must be an array of integers, got " + std::to_string(d));
    }
    out[i] = static_cast<int64_t>(d);
  }
  return out;
}

namespace {

// This thread's tensors.
Napi::Value memoryStats(const Napi::CallbackInfo& info) {
  const Accounting& accounting = instanceOf(info.Env()).accounting;
  auto out = Napi::Object::New(info.Env());
  out.Set("tensors", static_cast<double>(accounting.tensors));
  out.Set("bytes", static_cast<double>(accounting.bytes));
  out.Set("cudaBytes", static_cast<double>(accounting.cudaBytes));
  return out;
}

Napi::Value dispose(const Napi::CallbackInfo& info) {
  disposeHandle(info.Env(), info[0]);
  return info.Env().Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  define(env, exports, "memory", memoryStats);
  define(env, exports, "dispose", dispose);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
