#include "ivalue.h"

#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/jit_type.h>

#include <cmath>

namespace mt {
namespace {

bool isIntegerKey(const std::string& key) {
  if (key.empty() || key.size() > 15) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  for (char c : key)
    if (c < '0' || c > '9') return false;
  return true;
}

// Values nested deeper than this (or a cycle) are refused: converting recurses, and a deep enough
// nesting would overflow the thread's stack.
constexpr int kMaxDepth = 1000;

// Where a value sits in what is converted, for errors: the argument's name, then [i] and .key
// steps, spelled out only when an error names it.
struct Path {
  const Path* parent;
  std::string step;
  int depth;

  Path child(std::string next) const { return {this, std::move(next), depth + 1}; }
  Path child(int64_t index) const {
    std::string step = "[";
    step += std::to_string(index);
    step += ']';
    return child(std::move(step));
  }
  std::string str() const { return parent ? parent->str() + step : step; }
  const std::string& argument() const { return parent ? parent->argument() : step; }
};

c10::IValue convert(Napi::Env env, const Napi::Value& value, const Path& path);

c10::IValue arrayToIValue(Napi::Env env, const Napi::Array& array, const Path& path) {
  const uint32_t n = array.Length();
  bool allTensors = n > 0;
  std::vector<c10::IValue> items;
  items.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    items.push_back(convert(env, array.Get(i), path.child(static_cast<int64_t>(i))));
    allTensors = allTensors && items.back().isTensor();
  }
  if (allTensors) {
    c10::List<at::Tensor> tensors;
    for (auto& item : items) tensors.push_back(item.toTensor());
    return tensors;
  }
  c10::impl::GenericList list(c10::AnyType::get());
  for (auto& item : items) list.push_back(std::move(item));
  return list;
}

// Keys come as JS strings; they are written as Python ints when every key is an integer.
c10::IValue entriesToDict(Napi::Env env, const std::vector<std::pair<Napi::Value, Napi::Value>>& entries,
                          const Path& path) {
  bool intKeys = !entries.empty();
  for (const auto& [key, value] : entries) {
    if (key.IsNumber()) intKeys = intKeys && std::floor(key.As<Napi::Number>().DoubleValue()) == key.As<Napi::Number>().DoubleValue();
    else if (key.IsString()) intKeys = intKeys && isIntegerKey(key.As<Napi::String>().Utf8Value());
    else throwTypeError(env, path.str() + ": dict keys must be strings or integers");
  }
  if (intKeys) {
    c10::impl::GenericDict dict(c10::IntType::get(), c10::AnyType::get());
    for (const auto& [key, value] : entries) {
      int64_t k = key.IsNumber() ? static_cast<int64_t>(key.As<Napi::Number>().DoubleValue())
                                 : std::stoll(key.As<Napi::String>().Utf8Value());
      dict.insert_or_assign(k, convert(env, value, path.child(k)));
    }
    return dict;
  }
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  for (const auto& [key, value] : entries) {
    std::string k = key.ToString().Utf8Value();
    dict.insert_or_assign(k, convert(env, value, path.child("." + k)));
  }
  return dict;
}

std::vector<std::pair<Napi::Value, Napi::Value>> objectEntries(Napi::Env env, const Napi::Object& object) {
  std::vector<std::pair<Napi::Value, Napi::Value>> entries;
  bool isMap = object.InstanceOf(env.Global().Get("Map").As<Napi::Function>());
  if (isMap) {
    auto pairs = env.Global().Get("Array").As<Napi::Object>().Get("from").As<Napi::Function>().Call({object}).As<Napi::Array>();
    for (uint32_t i = 0; i < pairs.Length(); i++) {
      auto pair = pairs.Get(i).As<Napi::Array>();
      entries.emplace_back(pair.Get(0u), pair.Get(1u));
    }
    return entries;
  }
  auto names = object.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); i++) {
    Napi::Value key = names.Get(i);
    entries.emplace_back(key.ToString(), object.Get(key));
  }
  return entries;
}

c10::IValue convert(Napi::Env env, const Napi::Value& value, const Path& path) {
  if (value.IsNull() || value.IsUndefined()) return c10::IValue();
  if (isTensorLike(value)) {
    const double handle = value.As<Napi::Object>().Get("_h").As<Napi::Number>().DoubleValue();
    if (at::Tensor* tensor = findHandle(env, handle)) return *tensor;
    throwError(env, path.str() + " " + whyUnusable(env, handle));
  }
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value();
  if (value.IsNumber()) {
    double d = value.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
    return d;
  }
  if (value.IsBigInt()) {
    bool lossless;
    int64_t v = value.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throwTypeError(env, path.str() + ": bigint does not fit in int64");
    return v;
  }
  if (value.IsString()) return value.As<Napi::String>().Utf8Value();
  if (value.IsTypedArray() || value.IsFunction()) {
    throwTypeError(env, path.str() + ": cannot store a " + std::string(value.IsFunction() ? "function" : "TypedArray") +
                            " (make it a Tensor first)");
  }
  if (!value.IsObject()) throwTypeError(env, path.str() + ": unsupported value");
  if (path.depth >= kMaxDepth) {
    throwError(env, path.argument() + ": arrays and objects nested more than " + std::to_string(kMaxDepth) +
                        " deep (or holding themselves) cannot be converted");
  }
  if (value.IsArray()) return arrayToIValue(env, value.As<Napi::Array>(), path);
  return entriesToDict(env, objectEntries(env, value.As<Napi::Object>()), path);
}

}  // namespace

c10::IValue toIValue(Napi::Env env, const Napi::Value& value, const std::string& where) {
  return convert(env, value, Path{nullptr, where, 0});
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v, const Napi::Function& tensorFactory) {
  if (v.isTensor()) {
    Napi::Value handle = wrap(env, v.toTensor());
    return handle.IsNull() ? handle : tensorFactory.Call({handle});
  }
  if (v.isNone()) return env.Null();
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isDevice()) return Napi::String::New(env, v.toDevice().str());
  if (v.isTuple() || v.isList()) {
    std::vector<c10::IValue> items;
    if (v.isTuple()) items = v.toTupleRef().elements().vec();
    else items = v.toListRef().vec();
    auto array = Napi::Array::New(env, items.size());
    for (size_t i = 0; i < items.size(); i++) array.Set(static_cast<uint32_t>(i), fromIValue(env, items[i], tensorFactory));
    return array;
  }
  if (v.isGenericDict()) {
    auto object = Napi::Object::New(env);
    for (const auto& entry : v.toGenericDict()) {
      const c10::IValue& key = entry.key();
      std::string name;
      if (key.isString()) name = key.toStringRef();
      else if (key.isInt()) name = std::to_string(key.toInt());
      else throwTypeError(env, std::string("cannot turn a dict with ") + key.tagKind() + " keys into a JS object");
      object.Set(name, fromIValue(env, entry.value(), tensorFactory));
    }
    return object;
  }
  throwTypeError(env, std::string("cannot turn a value of type ") + v.tagKind() + " into a JS value");
}

}  // namespace mt
