#include "common.h"

#include <c10/util/Exception.h>

#include <cmath>
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

// ---- tensor handles -------------------------------------------------------------------------
// A handle is a number: slot index + generation * 2^24. Numbers cross N-API far cheaper than
// Externals with finalizers; the generation makes a stale handle an error, never another tensor.
// JS owns lifetimes: dispose(), tidy() scopes, and a FinalizationRegistry as the backstop.

namespace {

constexpr int kSlotBits = 24;  // 2^24 live tensors at most
constexpr double kSlotSpan = static_cast<double>(1 << kSlotBits);

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
} accounting;

std::vector<Slot> slots;
std::vector<uint32_t> freeSlots;

int64_t tensorBytes(const at::Tensor& t) {
  return static_cast<int64_t>(t.numel()) * static_cast<int64_t>(t.element_size());
}

Slot* slotOf(double handle) {
  if (!(handle >= 0)) return nullptr;
  const uint64_t bits = static_cast<uint64_t>(handle);
  const uint32_t index = static_cast<uint32_t>(bits & ((1u << kSlotBits) - 1));
  const uint32_t generation = static_cast<uint32_t>(bits >> kSlotBits);
  if (index >= slots.size() || slots[index].generation != generation || !slots[index].tensor.defined()) return nullptr;
  return &slots[index];
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
  uint32_t index;
  if (freeSlots.empty()) {
    if (slots.size() >= static_cast<size_t>(kSlotSpan)) throwError(env, "too many live tensors (16M): dispose some");
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  } else {
    index = freeSlots.back();
    freeSlots.pop_back();
  }
  Slot& slot = slots[index];
  slot.cuda = tensor.is_cuda();
  slot.bytes = tensorBytes(tensor);
  slot.tensor = std::move(tensor);
  accounting.tensors += 1;
  (slot.cuda ? accounting.cudaBytes : accounting.bytes) += slot.bytes;
  if (!slot.cuda && slot.bytes >= 4096) Napi::MemoryManagement::AdjustExternalMemory(env, slot.bytes);
  return Napi::Number::New(env, index + slot.generation * kSlotSpan);
}

bool isTensorLike(Napi::Value value) {
  if (!value.IsObject() || value.IsArray()) return false;
  return value.As<Napi::Object>().Get("_h").IsNumber();
}

at::Tensor& unwrap(Napi::Env env, Napi::Value value, const char* what) {
  bool isTensor;
  double handle = handleOf(value, &isTensor);
  if (!isTensor) throwTypeError(env, std::string(what) + " must be a Tensor");
  Slot* slot = slotOf(handle);
  if (!slot) throwError(env, std::string(what) + " has been disposed and cannot be used");
  return slot->tensor;
}

void disposeHandle(Napi::Env env, Napi::Value value) {
  bool isTensor;
  Slot* slot = slotOf(handleOf(value, &isTensor));
  if (!slot) return;  // disposing twice is harmless
  accounting.tensors -= 1;
  (slot->cuda ? accounting.cudaBytes : accounting.bytes) -= slot->bytes;
  if (!slot->cuda && slot->bytes >= 4096) Napi::MemoryManagement::AdjustExternalMemory(env, -slot->bytes);
  slot->tensor = at::Tensor();
  slot->generation += 1;
  freeSlots.push_back(static_cast<uint32_t>(slot - slots.data()));
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

Napi::Value memoryStats(const Napi::CallbackInfo& info) {
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
