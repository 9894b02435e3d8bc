// The generic path: any ATen operator, called by name through the c10 dispatcher as a boxed call.
// Arguments are converted by the operator's schema; overloads are tried in order, first with
// exact JS types, then letting numbers stand for tensors (as Python's wrapped numbers do).
// Missing arguments take the schema's defaults. Autograd runs as for any other call.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/jit_type.h>

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

struct Op {
  std::string name;
  std::vector<Overload> overloads;
};

std::vector<Op>& ops() {
  static std::vector<Op> table;
  return table;
}

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
  static std::unordered_map<std::string, int> ids;
  auto cached = ids.find(key);
  if (cached != ids.end()) return Napi::Number::New(env, cached->second);

  auto found = opNames().find(name);
  if (found == opNames().end()) throwError(env, "unknown operator " + name);
  std::vector<c10::OperatorName> names = found->second;
  std::stable_sort(names.begin(), names.end(), [](const auto& a, const auto& b) {
    return overloadRank(a.overload_name) < overloadRank(b.overload_name);
  });
  Op op{name, {}};
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
  ops().push_back(std::move(op));
  int id = static_cast<int>(ops().size() - 1);
  ids.emplace(key, id);
  return Napi::Number::New(env, id);
}

bool isInteger(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  return d == static_cast<double>(static_cast<int64_t>(d));
}

at::Scalar toScalar(const Napi::Value& v) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  double d = v.As<Napi::Number>().DoubleValue();
  if (isInteger(v)) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

// A number standing for a tensor becomes a 0-dim "wrapped number", so type promotion treats it as
// Python does (a float tensor times 2 stays float32).
at::Tensor wrappedNumber(const Napi::Value& v) {
  at::Tensor t = at::scalar_to_tensor(toScalar(v));
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

bool convert(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type, const c10::Argument& arg, bool lenient,
             c10::IValue& out);

bool convertList(Napi::Env env, const Napi::Value& v, const c10::ListTypePtr& type, const c10::Argument& arg,
                 bool lenient, c10::IValue& out) {
  const auto& elem = type->getElementType();
  auto kind = elem->kind();
  if (kind == c10::TypeKind::SymIntType) kind = c10::TypeKind::IntType;  // concrete ints are valid SymInts
  if (kind == c10::TypeKind::IntType) {
    if (isInteger(v) && arg.N()) {  // int[2] given as one int repeats it, as in TorchScript
      out = std::vector<int64_t>(*arg.N(), static_cast<int64_t>(v.As<Napi::Number>().DoubleValue()));
      return true;
    }
    if (isInteger(v) && arg.name() == "dim") {  // dim lists take a single dim, as in Python
      out = std::vector<int64_t>{static_cast<int64_t>(v.As<Napi::Number>().DoubleValue())};
      return true;
    }
  }
  if (!v.IsArray()) return false;
  auto array = v.As<Napi::Array>();
  const uint32_t n = array.Length();
  switch (kind) {
    case c10::TypeKind::IntType: {
      std::vector<int64_t> values(n);
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value item = array.Get(i);
        if (!isInteger(item)) return false;
        values[i] = static_cast<int64_t>(item.As<Napi::Number>().DoubleValue());
      }
      out = std::move(values);
      return true;
    }
    case c10::TypeKind::FloatType: {
      std::vector<double> values(n);
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value item = array.Get(i);
        if (!item.IsNumber()) return false;
        values[i] = item.As<Napi::Number>().DoubleValue();
      }
      out = std::move(values);
      return true;
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> values;
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value item = array.Get(i);
        if (!item.IsBoolean()) return false;
        values.push_back(item.As<Napi::Boolean>().Value());
      }
      out = std::move(values);
      return true;
    }
    case c10::TypeKind::TensorType: {
      std::vector<at::Tensor> values;
      values.reserve(n);
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value item = array.Get(i);
        if (!isTensorLike(item)) return false;
        values.push_back(unwrap(env, item, arg.name().c_str()));
      }
      out = std::move(values);
      return true;
    }
    case c10::TypeKind::OptionalType: {
      if (elem->cast<c10::OptionalType>()->getElementType()->kind() != c10::TypeKind::TensorType) return false;
      c10::List<c10::optional<at::Tensor>> values;
      for (uint32_t i = 0; i < n; i++) {
        Napi::Value item = array.Get(i);
        if (item.IsNull() || item.IsUndefined()) values.push_back(c10::nullopt);
        else if (isTensorLike(item)) values.push_back(unwrap(env, item, arg.name().c_str()));
        else return false;
      }
      out = std::move(values);
      return true;
    }
    default:
      return false;
  }
}

bool convert(Napi::Env env, const Napi::Value& v, const c10::TypePtr& type, const c10::Argument& arg, bool lenient,
             c10::IValue& out) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (v.IsUndefined() || v.IsNull()) {
        out = c10::IValue();
        return true;
      }
      return convert(env, v, type->cast<c10::OptionalType>()->getElementType(), arg, lenient, out);
    case c10::TypeKind::TensorType:
      if (isTensorLike(v)) {
        out = unwrap(env, v, arg.name().c_str());
        return true;
      }
      if (lenient && (v.IsNumber() || v.IsBoolean())) {
        out = wrappedNumber(v);
        return true;
      }
      return false;
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:  // concrete ints are valid SymInts
      if (!isInteger(v)) return false;
      out = static_cast<int64_t>(v.As<Napi::Number>().DoubleValue());
      return true;
    case c10::TypeKind::FloatType:
      if (!v.IsNumber()) return false;
      out = v.As<Napi::Number>().DoubleValue();
      return true;
    case c10::TypeKind::BoolType:
      if (!v.IsBoolean()) return false;
      out = v.As<Napi::Boolean>().Value();
      return true;
    case c10::TypeKind::NumberType:
      if (!v.IsNumber() && !v.IsBoolean()) return false;
      out = toScalar(v);
      return true;
    case c10::TypeKind::StringType:
      if (!v.IsString()) return false;
      out = v.As<Napi::String>().Utf8Value();
      return true;
    case c10::TypeKind::ScalarTypeType:
      if (!v.IsString()) return false;
      out = static_cast<int64_t>(parseDtype(env, v));
      return true;
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) return false;
      out = parseDevice(env, v);
      return true;
    case c10::TypeKind::LayoutType:
      if (!v.IsString() || v.As<Napi::String>().Utf8Value() != "strided") return false;
      out = static_cast<int64_t>(at::kStrided);
      return true;
    case c10::TypeKind::MemoryFormatType: {
      if (!v.IsString()) return false;
      std::string name = v.As<Napi::String>().Utf8Value();
      if (name == "contiguous_format" || name == "contiguousFormat") out = static_cast<int64_t>(at::MemoryFormat::Contiguous);
      else if (name == "channels_last" || name == "channelsLast") out = static_cast<int64_t>(at::MemoryFormat::ChannelsLast);
      else if (name == "preserve_format" || name == "preserveFormat") out = static_cast<int64_t>(at::MemoryFormat::Preserve);
      else return false;
      return true;
    }
    case c10::TypeKind::ListType:
      return convertList(env, v, type->cast<c10::ListType>(), arg, lenient, out);
    default:  // Generators, Dimnames, Storages...: only their defaults are usable from JS.
      return false;
  }
}

bool isKwargs(const Napi::Value& v) {
  if (!v.IsObject() || v.IsArray() || isTensorLike(v) || v.IsTypedArray()) return false;
  return true;
}

// Fills `stack` for one overload; false when the JS values do not fit its schema.
bool bindArgs(Napi::Env env, const Overload& overload, const Napi::Array& args, const Napi::Object* kwargs,
          size_t definedKwargs, bool lenient, std::vector<c10::IValue>& stack) {
  const uint32_t given = args.Length();
  if (given > overload.positional) return false;
  size_t usedKwargs = 0;
  stack.clear();
  stack.reserve(overload.params.size());
  for (size_t i = 0; i < overload.params.size(); i++) {
    const auto& param = overload.params[i];
    const c10::Argument& arg = *param.arg;
    Napi::Value value = env.Undefined();
    bool present = false;
    if (i < given) {
      value = args.Get(static_cast<uint32_t>(i));
      present = true;
    } else if (kwargs) {
      if (kwargs->HasOwnProperty(param.camelName)) {
        value = kwargs->Get(param.camelName);
        present = true;
      } else if (param.camelName != arg.name() && kwargs->HasOwnProperty(arg.name())) {
        value = kwargs->Get(arg.name());
        present = true;
      }
      if (present && !value.IsUndefined()) usedKwargs++;
    }
    if (!present || (value.IsUndefined() && arg.default_value())) {
      if (!arg.default_value()) return false;
      stack.push_back(*arg.default_value());
      continue;
    }
    c10::IValue converted;
    if (!convert(env, value, arg.real_type(), arg, lenient, converted)) return false;
    stack.push_back(std::move(converted));
  }
  // Every option given must belong to this overload (options set to undefined count as not given).
  return usedKwargs == definedKwargs;
}

// JS's Tensor factory (setTensorFactory): generic results come back as Tensor objects, since a
// bare handle could not be told apart from an int result.
Napi::FunctionReference& tensorFactory() {
  static Napi::FunctionReference factory;
  return factory;
}

Napi::Value setTensorFactory(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throwTypeError(info.Env(), "setTensorFactory takes a function");
  tensorFactory() = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) {
    Napi::Value handle = wrap(env, v.toTensor());
    if (handle.IsNull() || tensorFactory().IsEmpty()) return handle;
    return tensorFactory().Call({handle});
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
    for (size_t i = 0; i < elems.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, elems[i]));
    return array;
  }
  if (v.isList()) {
    auto list = v.toListRef();
    auto array = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return array;
  }
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  throwError(env, std::string("cannot return a value of type ") + v.tagKind() + " to JS");
}

std::string describe(Napi::Env env, const Napi::Value& v) {
  if (isTensorLike(v)) {
    const at::Tensor& t = unwrap(env, v);
    return std::string("Tensor(") + dtypeName(t.scalar_type()) + ", " + shapeString(t.sizes()) + ")";
  }
  if (v.IsArray()) return "array";
  if (v.IsNull() || v.IsUndefined()) return "None";
  return v.ToString().Utf8Value();
}

[[noreturn]] void noMatch(Napi::Env env, const Op& op, const Napi::Array& args, const Napi::Object* kwargs) {
  std::string message = op.name + ": no overload accepts (";
  for (uint32_t i = 0; i < args.Length(); i++) message += (i ? ", " : "") + describe(env, args.Get(i));
  if (kwargs) {
    auto names = kwargs->GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++)
      message += (args.Length() + i ? ", " : "") + names.Get(i).ToString().Utf8Value() + "=" +
                 describe(env, kwargs->Get(names.Get(i)));
  }
  message += "); candidates:";
  for (const auto& overload : op.overloads) message += "\n  " + c10::toString(overload.handle.schema());
  throwTypeError(env, message);
}

// How callOp hands results back: as JS values (Tensor objects made by the factory), not at all
// (in-place ops, whose JS caller returns `this`), or as the bare handle of a single tensor result
// (typed wrappers that make the Tensor themselves, saving a call from C++ into JS).
enum class Results { Values = 0, None = 1, Handle = 2 };

Napi::Value returnResults(Napi::Env env, const std::vector<c10::IValue>& stack, Results mode) {
  if (mode == Results::None) return env.Undefined();
  if (mode == Results::Handle && stack.size() == 1 && stack[0].isTensor()) return wrap(env, stack[0].toTensor());
  if (stack.size() == 1) return fromIValue(env, stack[0]);
  auto array = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
  return array;
}

// callOp(id, args[], kwargs?, results?) -> the op's result(s)
Napi::Value callOp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int id = argInt(info, 0, "operator id");
  if (id < 0 || static_cast<size_t>(id) >= ops().size()) throwError(env, "invalid operator id");
  const Op& op = ops()[id];
  if (!info[1].IsArray()) throwTypeError(env, op.name + ": arguments must be an array");
  auto args = info[1].As<Napi::Array>();
  Napi::Object kwargsObject;
  const Napi::Object* kwargs = nullptr;
  if (info.Length() > 2 && isKwargs(info[2])) {
    kwargsObject = info[2].As<Napi::Object>();
    kwargs = &kwargsObject;
  }
  const Results mode = info.Length() > 3 && info[3].IsNumber() ? static_cast<Results>(info[3].As<Napi::Number>().Int32Value())
                                                               : Results::Values;
  size_t definedKwargs = 0;
  if (kwargs) {
    auto names = kwargs->GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++)
      if (!kwargs->Get(names.Get(i)).IsUndefined()) definedKwargs++;
  }
  std::vector<c10::IValue> stack;
  for (bool lenient : {false, true}) {
    for (const auto& overload : op.overloads) {
      if (!bindArgs(env, overload, args, kwargs, definedKwargs, lenient, stack)) continue;
      try {
        overload.handle.callBoxed(&stack);
      } catch (const std::exception& e) {
        throwFrom(env, op.name.substr(op.name.find("::") + 2), e);
      }
      return returnResults(env, stack, mode);
    }
  }
  noMatch(env, op, args, kwargs);
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
  define(env, exports, "opId", opId);
  define(env, exports, "callOp", callOp);
  define(env, exports, "schemas", schemas);
  define(env, exports, "setTensorFactory", setTensorFactory);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
