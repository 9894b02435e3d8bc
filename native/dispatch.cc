// The generic path: any ATen operator, called by name through the c10 dispatcher as a boxed call.
// Arguments are converted by the operator's schema; overloads are tried in order, first with
// exact JS types, then letting numbers stand for tensors (as Python's wrapped numbers do).
// Missing arguments take the schema's defaults. Autograd runs as for any other call.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/jit_type.h>
#include <c10/util/SmallVector.h>

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace mt {
namespace {

struct Param {
  const c10::Argument* arg;
  std::string camelName;
};

struct Overload {
  c10::OperatorHandle handle;
  std::vector<Param> params;
  size_t positional;  // params that may be given by position
};

// What the arguments of an op must be where its kernel does not check: the first one's fewest
// dimensions, and whether every tensor argument must have elements.
struct Precondition {
  const char* op;
  int64_t firstMinDims;
  bool elements;
};

struct Op {
  std::string name;       // "aten::add"
  std::string shortName;  // "add", as errors name it
  std::vector<Overload> overloads;
  const Precondition* precondition = nullptr;  // see kPreconditions
};

// Ops whose kernels crash the process (PyTorch's too: a null read, an integer division by zero)
// on arguments they do not check, found by calling every ATen op of LibTorch 1.13 and 2.13 on
// empty and 0-dim tensors in a child process: the generic path refuses them before the call. (2.13
// checks _local_scalar_dense, matrix_exp_backward and _compute_linear_combination itself; the
// fbgemm packers crash where LibTorch has FBGEMM, as pip's 2.13 does and Debian's 1.13 does not.)
const Precondition kPreconditions[] = {
    {"aten::_local_scalar_dense", 0, true},
    {"aten::_weight_norm", 0, true},
    {"aten::_weight_norm_interface", 0, true},
    {"aten::_saturate_weight_to_fp16", 0, true},
    {"aten::fbgemm_linear_quantize_weight", 0, true},
    {"aten::fbgemm_pack_gemm_matrix_fp16", 0, true},
    {"aten::matrix_exp_backward", 2, false},
    {"aten::_compute_linear_combination", 1, false},
};

void checkPrecondition(Napi::Env env, const Op& op, const Overload& overload, const std::vector<c10::IValue>& stack) {
  const char* why = " (refused before the call: LibTorch's kernel may crash the process on it)";
  for (size_t i = 0; i < stack.size(); i++) {
    if (!stack[i].isTensor()) continue;
    const at::Tensor& t = stack[i].toTensor();
    const std::string what = op.shortName + ": " + overload.params[i].arg->name();
    if (i == 0 && t.dim() < op.precondition->firstMinDims) {
      throwError(env, what + " must have at least " + std::to_string(op.precondition->firstMinDims) + " dimension(s), got " +
                          std::to_string(t.dim()) + why);
    }
    if (op.precondition->elements && t.numel() == 0) throwError(env, what + " has no elements" + why);
  }
}

// This environment's ops (an op id indexes them), their ids by name, the key `_h` as a JS string
// made once (held in an array, since N-API 8 references only hold objects: reading a property by a
// ready key skips making and interning the name on every read) and JS's Tensor factory.
struct Dispatch {
  std::vector<Op> ops;
  std::unordered_map<std::string, int> ids;
  Napi::Reference<Napi::Array> keyHolder;
  Napi::FunctionReference tensorFactory;
};

std::string camel(const std::string& snake) {
  std::string out;
  bool upper = false;
  for (char c : snake) {
    if (c == '_' && !out.empty()) {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(c)) : c);
    upper = false;
  }
  return out;
}

// Operator names grouped by qualified name ("aten::add" -> its overloads), built once.
const std::unordered_map<std::string, std::vector<c10::OperatorName>>& opNames() {
  static std::unordered_map<std::string, std::vector<c10::OperatorName>> names = [] {
    std::unordered_map<std::string, std::vector<c10::OperatorName>> map;
    for (auto& name : c10::Dispatcher::singleton().getAllOpNames()) map[name.name].push_back(name);
    return map;
  }();
  return names;
}

// Overloads named in the schema as out= variants write into a given tensor: never chosen
// implicitly. The default overload comes first, as in Python's signatures.
int overloadRank(const std::string& overload) {
  if (overload.empty()) return 0;
  if (overload == "out" || overload.find("_out") != std::string::npos || overload.rfind("out", 0) == 0) return 2;
  return 1;
}

Napi::Value opId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwTypeError(env, "operator name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.find("::") == std::string::npos) name = "aten::" + name;
  std::string only = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string("*");
  std::string key = name + "." + only;
  Dispatch& state = part<Dispatch>(env);
  auto cached = state.ids.find(key);
  if (cached != state.ids.end()) return Napi::Number::New(env, cached->second);

  auto found = opNames().find(name);
  if (found == opNames().end()) throwError(env, "unknown operator " + name);
  std::vector<c10::OperatorName> names = found->second;
  std::stable_sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return overloadRank(a.overload_name) < overloadRank(b.overload_name);
  });
  Op op{name, name.substr(name.find("::") + 2), {}};
  for (const auto& precondition : kPreconditions)
    if (name == precondition.op) op.precondition = &precondition;
  for (const auto& opName : names) {
    if (only != "*" && opName.overload_name != only) continue;
    auto handle = c10::Dispatcher::singleton().findOp(opName);
    if (!handle || !handle->hasSchema()) continue;
    const auto& schema = handle->schema();
    if (schema.is_vararg()) continue;
    Overload overload{*handle, {}, 0};
    for (const auto& arg : schema.arguments()) {
      overload.params.push_back({&arg, camel(arg.name())});
      if (!arg.kwarg_only()) overload.positional++;
    }
    op.overloads.push_back(std::move(overload));
  }
  if (op.overloads.empty()) throwError(env, "unknown operator overload " + name + "." + only);
  state.ops.push_back(std::move(op));
  int id = static_cast<int>(state.ops.size() - 1);
  state.ids.emplace(key, id);
  return Napi::Number::New(env, id);
}

// ---- reading the JS arguments -----------------------------------------------------------------
// Each argument is read from JS once, into a JsValue (its kind, its number, its tensor); matching
// overloads then runs in C++ alone, and only the chosen overload's arguments are converted.

enum class Kind : uint8_t { None, Bool, Int, Float, String, Tensor, Disposed, List, Other };

struct JsValue {
  Napi::Value value;
  Kind kind = Kind::Other;
  bool undefined = false;             // None given as undefined: the parameter's default
  double number = 0;                  // Bool, Int, Float; the handle of Tensor and Disposed
  const at::Tensor* tensor = nullptr;  // Tensor
  std::string text;                   // String
  std::vector<JsValue> items;         // List (one level: no ATen schema nests lists)
};

// The key `_h`, fetched on the first object argument of a call, if any.
class HandleKey {
 public:
  explicit HandleKey(const Dispatch& state) : state_(state) {}

  const Napi::Value& get() {
    if (key_.IsEmpty()) key_ = state_.keyHolder.Value().Get(0u);
    return key_;
  }

 private:
  const Dispatch& state_;
  Napi::Value key_;
};

// A tensor given as its bare handle (typed wrappers mark such arguments, skipping the `_h` read).
// One this thread cannot use is reported, with the parameter's name, if an overload takes it.
JsValue readHandle(Napi::Env env, Napi::Value v) {
  JsValue out;
  out.value = v;
  out.number = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  out.tensor = findHandle(env, out.number);
  out.kind = out.tensor ? Kind::Tensor : Kind::Disposed;
  return out;
}

JsValue readValue(Napi::Env env, Napi::Value v, HandleKey& key, bool nested = false) {
  JsValue out;
  out.value = v;
  switch (v.Type()) {
    case napi_undefined:
      out.undefined = true;
      out.kind = Kind::None;
      break;
    case napi_null:
      out.kind = Kind::None;
      break;
    case napi_boolean:
      out.kind = Kind::Bool;
      out.number = v.As<Napi::Boolean>().Value() ? 1 : 0;
      break;
    case napi_number:
      out.number = v.As<Napi::Number>().DoubleValue();
      out.kind = isIntegral(out.number) ? Kind::Int : Kind::Float;
      break;
    case napi_string:
      out.kind = Kind::String;
      out.text = v.As<Napi::String>().Utf8Value();
      break;
    case napi_object: {
      if (v.IsArray()) {
        out.kind = Kind::List;
        if (nested) break;
        auto array = v.As<Napi::Array>();
        const uint32_t n = array.Length();
        out.items.reserve(n);
        for (uint32_t i = 0; i < n; i++) out.items.push_back(readValue(env, array.Get(i), key, true));
        break;
      }
      Napi::Value handle = v.As<Napi::Object>().Get(key.get());
      if (handle.IsNumber()) out = readHandle(env, handle);
      out.value = v;
      break;
    }
    default:
      break;
  }
  return out;
}

// Argument i of a call: a bare handle where bit i of handleMask is set, any JS value otherwise.
JsValue readArgument(Napi::Env env, Napi::Value value, size_t i, uint32_t handleMask, HandleKey& key) {
  return i < 32 && (handleMask >> i) & 1 ? readHandle(env, value) : readValue(env, value, key);
}

struct Kwarg {
  std::string name;
  JsValue value;
};

// Options set to undefined count as not given.
std::vector<Kwarg> readKwargs(Napi::Env env, const Napi::Object& object, HandleKey& key) {
  std::vector<Kwarg> out;
  auto names = object.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); i++) {
    Napi::Value name = names.Get(i);
    Napi::Value value = object.Get(name);
    if (!value.IsUndefined()) out.push_back({name.As<Napi::String>().Utf8Value(), readValue(env, value, key)});
  }
  return out;
}

// ---- matching an overload -------------------------------------------------------------------------

bool allItems(const JsValue& v, std::initializer_list<Kind> kinds) {
  if (v.kind != Kind::List) return false;
  for (const auto& item : v.items)
    if (std::find(kinds.begin(), kinds.end(), item.kind) == kinds.end()) return false;
  return true;
}

bool isTensorKind(Kind k) { return k == Kind::Tensor || k == Kind::Disposed; }
bool isNumberKind(Kind k) { return k == Kind::Bool || k == Kind::Int || k == Kind::Float; }

bool fitsList(const JsValue& v, const c10::ListType& type, const c10::Argument& arg) {
  auto kind = type.getElementType()->kind();
  switch (kind) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      // int[2] given as one int repeats it, as in TorchScript; dim lists take a single dim, as in Python.
      if (v.kind == Kind::Int && (arg.N() || arg.name() == "dim")) return true;
      return allItems(v, {Kind::Int});
    case c10::TypeKind::FloatType:
      return allItems(v, {Kind::Int, Kind::Float});
    case c10::TypeKind::BoolType:
      return allItems(v, {Kind::Bool});
    case c10::TypeKind::TensorType:
      return allItems(v, {Kind::Tensor, Kind::Disposed});
    case c10::TypeKind::OptionalType:
      if (type.getElementType()->castRaw<c10::OptionalType>()->getElementType()->kind() != c10::TypeKind::TensorType) return false;
      return allItems(v, {Kind::Tensor, Kind::Disposed, Kind::None});
    default:
      return false;
  }
}

bool fits(const JsValue& v, const c10::TypePtr& type, const c10::Argument& arg, bool lenient) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      return v.kind == Kind::None || fits(v, type->castRaw<c10::OptionalType>()->getElementType(), arg, lenient);
    case c10::TypeKind::TensorType:
      return isTensorKind(v.kind) || (lenient && isNumberKind(v.kind));
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:  // concrete ints are valid SymInts
      return v.kind == Kind::Int;
    case c10::TypeKind::FloatType:
      return v.kind == Kind::Int || v.kind == Kind::Float;
    case c10::TypeKind::BoolType:
      return v.kind == Kind::Bool;
    case c10::TypeKind::NumberType:
      return isNumberKind(v.kind);
    case c10::TypeKind::StringType:
    case c10::TypeKind::ScalarTypeType:  // parsed on conversion: an unknown dtype is an error, not a mismatch
    case c10::TypeKind::DeviceObjType:
      return v.kind == Kind::String;
    case c10::TypeKind::LayoutType:
      return v.kind == Kind::String && v.text == "strided";
    case c10::TypeKind::MemoryFormatType:
      return v.kind == Kind::String && (v.text == "contiguous_format" || v.text == "contiguousFormat" ||
                                        v.text == "channels_last" || v.text == "channelsLast" ||
                                        v.text == "preserve_format" || v.text == "preserveFormat");
    case c10::TypeKind::ListType:
      return fitsList(v, *type->castRaw<c10::ListType>(), arg);
    default:  // Generators, Dimnames, Storages...: only their defaults are usable from JS.
      return false;
  }
}

const JsValue* findKwarg(const std::vector<Kwarg>& kwargs, const Param& param) {
  for (const auto& kwarg : kwargs)
    if (kwarg.name == param.camelName || kwarg.name == param.arg->name()) return &kwarg.value;
  return nullptr;
}

// The JS value bound to each parameter of an overload (null: its default). On the stack: most
// ops take a handful.
using Chosen = c10::SmallVector<const JsValue*, 8>;

// The JS value for each of the overload's parameters (null: the schema's default), or false when
// the arguments do not fit it. Every option given must belong to this overload.
bool bind(const Overload& overload, c10::ArrayRef<JsValue> args, const std::vector<Kwarg>& kwargs, bool lenient,
          Chosen& chosen) {
  if (args.size() > overload.positional) return false;
  chosen.assign(overload.params.size(), nullptr);
  size_t usedKwargs = 0;
  for (size_t i = 0; i < overload.params.size(); i++) {
    const Param& param = overload.params[i];
    const JsValue* value = nullptr;
    if (i < args.size()) {
      value = &args[i];
    } else if (!kwargs.empty() && (value = findKwarg(kwargs, param))) {
      usedKwargs++;
    }
    const bool missing = value == nullptr || (value->undefined && param.arg->default_value());
    if (missing) {
      if (!param.arg->default_value()) return false;
      continue;
    }
    if (!fits(*value, param.arg->real_type(), *param.arg, lenient)) return false;
    chosen[i] = value;
  }
  return usedKwargs == kwargs.size();
}

// ---- converting the chosen arguments ----------------------------------------------------------------

at::Scalar toScalar(const JsValue& v) { return v.kind == Kind::Bool ? at::Scalar(v.number != 0) : numberScalar(v.number); }

const at::Tensor& tensorOf(Napi::Env env, const JsValue& v, const std::string& op, const c10::Argument& arg) {
  if (v.kind == Kind::Disposed) throwError(env, op + ": " + arg.name() + " " + whyUnusable(env, v.number));
  return *v.tensor;
}

c10::IValue convertList(Napi::Env env, const JsValue& v, const c10::ListType& type, const c10::Argument& arg,
                        const std::string& op) {
  auto kind = type.getElementType()->kind();
  if (kind == c10::TypeKind::SymIntType) kind = c10::TypeKind::IntType;
  switch (kind) {
    case c10::TypeKind::IntType: {
      if (v.kind == Kind::Int) return std::vector<int64_t>(arg.N() ? *arg.N() : 1, static_cast<int64_t>(v.number));
      std::vector<int64_t> values;
      values.reserve(v.items.size());
      for (const auto& item : v.items) values.push_back(static_cast<int64_t>(item.number));
      return values;
    }
    case c10::TypeKind::FloatType: {
      std::vector<double> values;
      values.reserve(v.items.size());
      for (const auto& item : v.items) values.push_back(item.number);
      return values;
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> values;
      for (const auto& item : v.items) values.push_back(item.number != 0);
      return values;
    }
    case c10::TypeKind::TensorType: {
      std::vector<at::Tensor> values;
      values.reserve(v.items.size());
      for (const auto& item : v.items) values.push_back(tensorOf(env, item, op, arg));
      return values;
    }
    default: {  // Tensor?[]
      c10::List<c10::optional<at::Tensor>> values;
      for (const auto& item : v.items) {
        if (item.kind == Kind::None) values.push_back(c10::nullopt);
        else values.push_back(tensorOf(env, item, op, arg));
      }
      return values;
    }
  }
}

// Converts a value that fits `type` (see fits) into the IValue the operator takes.
c10::IValue convert(Napi::Env env, const JsValue& v, const c10::TypePtr& type, const c10::Argument& arg,
                    const std::string& op) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.kind == Kind::None) return c10::IValue();
      return convert(env, v, type->castRaw<c10::OptionalType>()->getElementType(), arg, op);
    case c10::TypeKind::TensorType:
      if (isNumberKind(v.kind)) return wrappedNumber(toScalar(v));
      return tensorOf(env, v, op, arg);
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return static_cast<int64_t>(v.number);
    case c10::TypeKind::FloatType:
      return v.number;
    case c10::TypeKind::BoolType:
      return v.number != 0;
    case c10::TypeKind::NumberType:
      return toScalar(v);
    case c10::TypeKind::StringType:
      return v.text;
    case c10::TypeKind::ScalarTypeType:
      return static_cast<int64_t>(parseDtype(env, v.value));
    case c10::TypeKind::DeviceObjType:
      return parseDevice(env, v.value);
    case c10::TypeKind::LayoutType:
      return static_cast<int64_t>(at::kStrided);
    case c10::TypeKind::MemoryFormatType:
      if (v.text == "channels_last" || v.text == "channelsLast") return static_cast<int64_t>(at::MemoryFormat::ChannelsLast);
      if (v.text == "preserve_format" || v.text == "preserveFormat") return static_cast<int64_t>(at::MemoryFormat::Preserve);
      return static_cast<int64_t>(at::MemoryFormat::Contiguous);
    default:  // ListType: the only other kind fits() accepts
      return convertList(env, v, *type->castRaw<c10::ListType>(), arg, op);
  }
}

// JS's Tensor factory (setTensorFactory): generic results come back as Tensor objects, since a
// bare handle could not be told apart from an int result.
Napi::Value setTensorFactory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throwTypeError(info.Env(), "setTensorFactory takes a function");
  part<Dispatch>(info.Env()).tensorFactory = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value fromIValue(Napi::Env env, const Napi::FunctionReference& tensorFactory, const c10::IValue& v) {
  if (v.isTensor()) {
    Napi::Value handle = wrap(env, v.toTensor());
    if (handle.IsNull() || tensorFactory.IsEmpty()) return handle;
    return tensorFactory.Call({handle});
  }
  if (v.isNone()) return env.Undefined();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isSymInt()) return Napi::Number::New(env, static_cast<double>(v.toSymInt().expect_int()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isScalar()) {
    at::Scalar s = v.toScalar();
    if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
    return Napi::Number::New(env, s.toDouble());
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto array = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, tensorFactory, elems[i]));
    return array;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, tensorFactory, list[i]));
    return array;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  throwError(env, std::string("cannot return a value of type ") + v.tagKind() + " to JS");
}

std::string describe(const JsValue& v) {
  switch (v.kind) {
    case Kind::Tensor:
      return std::string("Tensor(") + dtypeName(v.tensor->scalar_type()) + ", " + shapeString(v.tensor->sizes()) + ")";
    case Kind::Disposed:
      return "Tensor(disposed)";
    case Kind::None:
      return v.undefined ? "undefined" : "null";
    case Kind::String:
      return "'" + v.text + "'";
    case Kind::List: {
      std::string out = "[";
      for (size_t i = 0; i < v.items.size(); i++) out += (i ? ", " : "") + describe(v.items[i]);
      return out + "]";
    }
    case Kind::Other:
      return v.value.IsFunction() ? "a function" : "an object";
    default:
      return v.value.ToString().Utf8Value();
  }
}

[[noreturn]] void noMatch(Napi::Env env, const Op& op, const std::string& name, c10::ArrayRef<JsValue> args,
                          const std::vector<Kwarg>& kwargs) {
  std::string message = name + ": no overload accepts (";
  for (size_t i = 0; i < args.size(); i++) message += (i ? ", " : "") + describe(args[i]);
  for (size_t i = 0; i < kwargs.size(); i++)
    message += (args.size() + i ? ", " : "") + kwargs[i].name + "=" + describe(kwargs[i].value);
  message += "); candidates:";
  for (const auto& overload : op.overloads) message += "\n  " + c10::toString(overload.handle.schema());
  throwTypeError(env, message);
}

// How call hands results back: as JS values (Tensor objects made by the factory), not at all
// (in-place ops, whose JS caller returns `this`), or as the bare handle of a single tensor result
// (typed wrappers that make the Tensor themselves, saving a call from C++ into JS).
enum class Results { Values = 0, None = 1, Handle = 2 };

Napi::Value returnResults(Napi::Env env, const Dispatch& state, const std::vector<c10::IValue>& stack, Results mode) {
  if (mode == Results::None) return env.Undefined();
  if (mode == Results::Handle && stack.size() == 1 && stack[0].isTensor()) return wrap(env, stack[0].toTensor());
  const Napi::FunctionReference& factory = state.tensorFactory;
  if (stack.size() == 1) return fromIValue(env, factory, stack[0]);
  auto array = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, factory, stack[i]));
  return array;
}

bool isKwargs(const JsValue& v) { return v.kind == Kind::Other && !v.value.IsTypedArray(); }

// The first overload the arguments fit, in order: exact JS types first, then numbers standing for
// tensors. Most ops match their first or second overload, and matching reads no JS.
const Overload* choose(const Op& op, c10::ArrayRef<JsValue> args, const std::vector<Kwarg>& kwargs, Chosen& chosen) {
  for (bool lenient : {false, true})
    for (const auto& overload : op.overloads)
      if (bind(overload, args, kwargs, lenient, chosen)) return &overload;
  return nullptr;
}

// Reads a call's options object into named arguments (none for undefined or a non-options value).
std::vector<Kwarg> readOptions(Napi::Env env, const Napi::Value& value, HandleKey& key) {
  if (!value.IsObject()) return {};
  if (!isKwargs(readValue(env, value, key, true))) return {};
  return readKwargs(env, value.As<Napi::Object>(), key);
}

// Matches, converts and calls; returns the results as `mode` says.
Napi::Value invoke(Napi::Env env, const Dispatch& state, const Op& op, c10::ArrayRef<JsValue> args,
                   const std::vector<Kwarg>& kwargs, Results mode) {
  Chosen chosen;
  const Overload* overload = choose(op, args, kwargs, chosen);
  if (!overload) noMatch(env, op, op.shortName, args, kwargs);
  std::vector<c10::IValue> stack;
  stack.reserve(overload->params.size());
  for (size_t i = 0; i < overload->params.size(); i++) {
    const c10::Argument& arg = *overload->params[i].arg;
    if (chosen[i]) stack.push_back(convert(env, *chosen[i], arg.real_type(), arg, op.shortName));
    else stack.push_back(*arg.default_value());
  }
  if (op.precondition) checkPrecondition(env, op, *overload, stack);
  try {
    overload->handle.callBoxed(&stack);
  } catch (const std::exception& e) {
    throwFrom(env, op.shortName, e);
  }
  return returnResults(env, state, stack, mode);
}

const Op& opOf(const Napi::CallbackInfo& info, const Dispatch& state) {
  const int id = argInt(info, 0, "operator id");
  if (id < 0 || static_cast<size_t>(id) >= state.ops.size()) throwError(info.Env(), "invalid operator id");
  return state.ops[id];
}

// callOp(id, args[], kwargs?, results?, handleMask?) -> the op's result(s): the general entry
// point. `results` defaults to JS values; bit i of handleMask set means args[i] is a bare handle.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Dispatch& state = part<Dispatch>(env);
  const Op& op = opOf(info, state);
  if (!info[1].IsArray()) throwTypeError(env, op.shortName + ": arguments must be an array");
  auto array = info[1].As<Napi::Array>();
  const auto mode = info[3].IsNumber() ? static_cast<Results>(info[3].As<Napi::Number>().Int32Value()) : Results::Values;
  const uint32_t handleMask = info[4].IsNumber() ? info[4].As<Napi::Number>().Uint32Value() : 0;
  HandleKey key(state);
  c10::SmallVector<JsValue, 6> args;
  args.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value value = array.Get(i);
    args.push_back(readArgument(env, value, i, handleMask, key));
  }
  return invoke(env, state, op, args, readOptions(env, info[2], key), mode);
}

// call(id, results, handleMask, positional, ...args, ...options) -> the op's result(s): the typed
// wrappers' entry point. The arguments come as the call's own (reading array elements or object
// properties through N-API costs about 0.1 us each): `positional` values, then the options as
// name, value pairs. Bit i of handleMask set means argument i is a tensor given by its bare handle.
Napi::Value call(const Napi::CallbackInfo& info) {
  constexpr size_t kFirstArg = 4;
  Napi::Env env = info.Env();
  const Dispatch& state = part<Dispatch>(env);
  const Op& op = opOf(info, state);
  const auto mode = static_cast<Results>(argInt(info, 1, "results"));
  const uint32_t handleMask = info[2].As<Napi::Number>().Uint32Value();
  const size_t positional = static_cast<size_t>(argInt(info, 3, "positional"));
  const size_t end = info.Length();
  if (kFirstArg + positional > end || (end - kFirstArg - positional) % 2) throwError(env, op.shortName + ": malformed call");
  HandleKey key(state);
  c10::SmallVector<JsValue, 6> args;
  args.reserve(positional);
  for (size_t at = 0; at < positional; at++) {
    Napi::Value value = info[kFirstArg + at];
    args.push_back(readArgument(env, value, at, handleMask, key));
  }
  std::vector<Kwarg> kwargs;
  for (size_t i = kFirstArg + positional; i < end; i += 2) {
    kwargs.push_back({info[i].As<Napi::String>().Utf8Value(), readValue(env, info[i + 1], key)});
  }
  return invoke(env, state, op, args, kwargs, mode);
}

// Every overload's schema, for error messages and docs: schemas("add") -> string[]
Napi::Value schemas(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.find("::") == std::string::npos) name = "aten::" + name;
  auto array = Napi::Array::New(env);
  auto found = opNames().find(name);
  if (found == opNames().end()) return array;
  uint32_t i = 0;
  for (const auto& opName : found->second) {
    auto handle = c10::Dispatcher::singleton().findOp(opName);
    if (handle && handle->hasSchema()) array.Set(i++, c10::toString(handle->schema()));
  }
  return array;
}

void init(Napi::Env env, Napi::Object exports) {
  auto holder = Napi::Array::New(env, 1);
  holder.Set(0u, Napi::String::New(env, "_h"));
  part<Dispatch>(env).keyHolder = Napi::Persistent(holder);
  define(env, exports, "opId", opId);
  define(env, exports, "callOp", callOp);
  define(env, exports, "call", call);
  define(env, exports, "schemas", schemas);
  define(env, exports, "setTensorFactory", setTensorFactory);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
