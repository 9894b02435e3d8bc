// Tensor basics that are not ATen operators: data in and out, properties, autograd entry points,
// and typed fast paths for the hottest binary ops (the generic path handles the rest).
#include "common.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

#include <cstring>

namespace mt {
namespace {

size_t byteLengthOf(const Napi::Value& v) {
  if (v.IsTypedArray()) return v.As<Napi::TypedArray>().ByteLength();
  if (v.IsArrayBuffer()) return v.As<Napi::ArrayBuffer>().ByteLength();
  return 0;
}

const void* bytesOf(const Napi::Value& v) {
  if (v.IsTypedArray()) {
    auto array = v.As<Napi::TypedArray>();
    return static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  }
  return v.As<Napi::ArrayBuffer>().Data();
}

// fromData(bytes: TypedArray, shape, dtype, storedAs?: dtype, device?, requiresGrad?)
// The bytes are copied, so the TypedArray stays the caller's. `storedAs` names the dtype of the
// bytes when it differs from the tensor's (float32 data for a float16 tensor).
Napi::Value fromData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() && !info[0].IsArrayBuffer()) throwTypeError(env, "tensor data must be a TypedArray");
  auto shape = parseIntList(env, info[1], "shape");
  at::ScalarType dtype = parseDtype(env, info[2]);
  at::ScalarType stored = info[3].IsString() ? parseDtype(env, info[3]) : dtype;
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(stored));
  const size_t expected = static_cast<size_t>(t.numel()) * t.element_size();
  if (byteLengthOf(info[0]) != expected) {
    throwError(env, "tensor data has " + std::to_string(byteLengthOf(info[0])) + " bytes but shape " +
                        shapeString(t.sizes()) + " of " + dtypeName(stored) + " needs " + std::to_string(expected));
  }
  if (expected) std::memcpy(t.data_ptr(), bytesOf(info[0]), expected);
  if (stored != dtype) t = t.to(dtype);
  if (info.Length() > 4 && info[4].IsString()) t = t.to(parseDevice(env, info[4]));
  if (info.Length() > 5 && info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value()) t.set_requires_grad(true);
  return wrap(env, t);
}

// toData(t) -> { buffer: ArrayBuffer, dtype }: a contiguous CPU copy. float16 and bfloat16 come
// out as float32 (JS has no 16-bit float array).
Napi::Value toData(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor t = unwrap(env, info[0]).detach();
  if (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16) t = t.to(at::kFloat);
  t = t.to(at::kCPU).contiguous();
  const size_t bytes = static_cast<size_t>(t.numel()) * t.element_size();
  auto buffer = Napi::ArrayBuffer::New(env, bytes);
  if (bytes) std::memcpy(buffer.Data(), t.data_ptr(), bytes);
  auto out = Napi::Object::New(env);
  out.Set("buffer", buffer);
  out.Set("dtype", dtypeName(t.scalar_type()));
  return out;
}

Napi::Value item(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrap(env, info[0]);
  if (t.numel() != 1) {
    throwError(env, "item: a Tensor with " + std::to_string(t.numel()) + " elements cannot be converted to a number");
  }
  at::Scalar s = t.item();
  if (s.isBoolean()) return Napi::Boolean::New(env, s.toBool());
  if (s.isIntegral(false)) return Napi::Number::New(env, static_cast<double>(s.toLong()));
  return Napi::Number::New(env, s.toDouble());
}

// info(t) -> { shape, dtype, device, requiresGrad }: one call for the properties JS caches.
Napi::Value shapeOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrap(env, info[0]);
  auto sizes = t.sizes();
  auto array = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) array.Set(static_cast<uint32_t>(i), static_cast<double>(sizes[i]));
  return array;
}

Napi::Value dtypeOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), dtypeName(unwrap(info.Env(), info[0]).scalar_type()));
}

Napi::Value deviceOf(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), deviceName(unwrap(info.Env(), info[0]).device()));
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info.Env(), info[0]).requires_grad());
}

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsBoolean()) throwTypeError(env, "requiresGrad_ takes a boolean");
  unwrap(env, info[0]).set_requires_grad(info[1].As<Napi::Boolean>().Value());
  return env.Undefined();
}

Napi::Value isContiguous(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info.Env(), info[0]).is_contiguous());
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info.Env(), info[0]).is_leaf());
}

Napi::Value gradFn(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrap(info.Env(), info[0]);
  if (!t.grad_fn()) return info.Env().Null();
  return Napi::String::New(info.Env(), t.grad_fn()->name());
}

Napi::Value grad(const Napi::CallbackInfo& info) { return wrap(info.Env(), unwrap(info.Env(), info[0]).grad()); }

Napi::Value setGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& t = unwrap(env, info[0]);
  t.mutable_grad() = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : unwrap(env, info[1], "grad");
  return env.Undefined();
}

std::vector<at::Tensor> tensorList(Napi::Env env, const Napi::Value& v, const char* what) {
  if (!v.IsArray()) throwTypeError(env, std::string(what) + " must be an array of Tensors");
  auto array = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(unwrap(env, array.Get(i), what));
  return out;
}

Napi::Value tensorArray(Napi::Env env, const std::vector<at::Tensor>& tensors) {
  auto array = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); i++) array.Set(static_cast<uint32_t>(i), wrap(env, tensors[i]));
  return array;
}

// backward(t, gradient?, retainGraph?, createGraph?)
Napi::Value backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& t = unwrap(env, info[0]);
  at::Tensor gradient = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : unwrap(env, info[1], "gradient");
  c10::optional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  bool create = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  t.backward(gradient, retain, create);
  return env.Undefined();
}

// autogradGrad(outputs[], inputs[], gradOutputs[]|null, retainGraph?, createGraph?, allowUnused?)
Napi::Value autogradGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto outputs = tensorList(env, info[0], "outputs");
  auto inputs = tensorList(env, info[1], "inputs");
  std::vector<at::Tensor> gradOutputs;
  if (info[2].IsArray()) gradOutputs = tensorList(env, info[2], "gradOutputs");
  c10::optional<bool> retain;
  if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
  bool create = info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  bool allowUnused = info[5].IsBoolean() && info[5].As<Napi::Boolean>().Value();
  return tensorArray(env, torch::autograd::grad(outputs, inputs, gradOutputs, retain, create, allowUnused));
}

// setGradEnabled(flag) -> the previous mode, so JS can restore it in `finally`.
Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), previous);
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

// ---- fast paths: typed calls for the hottest ops, skipping schema matching --------------------

// Argument labels of the fast paths, so that errors name the op as the generic path's do.
#define MT_LABELS(op) \
  constexpr char op##Name[] = #op; \
  constexpr char op##Self[] = #op ": self"; \
  constexpr char op##Other[] = #op ": other";
MT_LABELS(add)
MT_LABELS(sub)
MT_LABELS(mul)
MT_LABELS(div)
MT_LABELS(matmul)
MT_LABELS(add_)
MT_LABELS(sub_)
MT_LABELS(mul_)
MT_LABELS(div_)
#undef MT_LABELS

// Tensor (op) Tensor, both given as handles.
template <at::Tensor (*TensorOp)(const at::Tensor&, const at::Tensor&), const char* Self, const char* Other>
Napi::Value binaryFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return wrap(env, TensorOp(unwrap(env, info[0], Self), unwrap(env, info[1], Other)));
}

// Tensor (op) number.
template <at::Tensor (*TensorOp)(const at::Tensor&, const at::Tensor&), const char* Name, const char* Self>
Napi::Value scalarFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsNumber()) throwTypeError(env, std::string(Name) + ": other must be a number");
  return wrap(env, TensorOp(unwrap(env, info[0], Self), wrappedNumber(numberScalar(info[1].As<Napi::Number>().DoubleValue()))));
}

at::Tensor addOp(const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }
at::Tensor subOp(const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }
at::Tensor mulOp(const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }
at::Tensor divOp(const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }
at::Tensor matmulOp(const at::Tensor& a, const at::Tensor& b) { return at::matmul(a, b); }

// Unary ops of training loops: f(self), given by handle.
template <at::Tensor (*TensorOp)(const at::Tensor&), const char* Self>
Napi::Value unaryFast(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), TensorOp(unwrap(info.Env(), info[0], Self)));
}

#define MT_UNARY(op)                                             \
  constexpr char op##Self[] = #op ": self";                      \
  at::Tensor op##Op(const at::Tensor& t) { return at::op(t); }
MT_UNARY(relu)
MT_UNARY(exp)
MT_UNARY(log)
MT_UNARY(sigmoid)
MT_UNARY(tanh)
MT_UNARY(neg)
MT_UNARY(sum)
#undef MT_UNARY

constexpr char softmaxSelf[] = "softmax: self";
constexpr char logSoftmaxSelf[] = "log_softmax: self";
constexpr char selectSelf[] = "select: self";

at::Tensor softmaxOp(const at::Tensor& t, int64_t dim) { return at::softmax(t, dim); }
at::Tensor logSoftmaxOp(const at::Tensor& t, int64_t dim) { return at::log_softmax(t, dim); }

// f(self, dim) for softmax and log_softmax along one dim.
template <at::Tensor (*TensorOp)(const at::Tensor&, int64_t), const char* Self>
Napi::Value alongDimFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return wrap(env, TensorOp(unwrap(env, info[0], Self), argInt(info, 1, "dim")));
}

// select(self, dim, index): Python's t[i] along one dim.
Napi::Value selectFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return wrap(env, unwrap(env, info[0], selectSelf).select(argInt(info, 1, "dim"), argInt(info, 2, "index")));
}

// self (op)= other, in place: other is a tensor handle, or a number in the *Scalar variants (JS
// must say which: a handle is a number too). add_/sub_ take an alpha (info[2], default 1),
// mul_/div_ none. Nothing is returned: JS returns `this`, as PyTorch does.
using InPlaceOp = void (*)(at::Tensor&, const at::Tensor&, const at::Scalar&);
void addInPlace(at::Tensor& t, const at::Tensor& o, const at::Scalar& alpha) { t.add_(o, alpha); }
void subInPlace(at::Tensor& t, const at::Tensor& o, const at::Scalar& alpha) { t.sub_(o, alpha); }
void mulInPlace(at::Tensor& t, const at::Tensor& o, const at::Scalar&) { t.mul_(o); }
void divInPlace(at::Tensor& t, const at::Tensor& o, const at::Scalar&) { t.div_(o); }

template <InPlaceOp Op, bool ScalarOther, const char* Self, const char* Other>
Napi::Value inPlaceFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  at::Tensor& self = unwrap(env, info[0], Self);
  const at::Scalar alpha = info[2].IsNumber() ? numberScalar(info[2].As<Napi::Number>().DoubleValue()) : at::Scalar(1);
  if (!ScalarOther) {
    Op(self, unwrap(env, info[1], Other), alpha);
  } else {
    if (!info[1].IsNumber()) throwTypeError(env, std::string(Other) + " must be a number");
    Op(self, wrappedNumber(numberScalar(info[1].As<Napi::Number>().DoubleValue())), alpha);
  }
  return env.Undefined();
}

// sum / mean over dims (one int or a list), keepdim: the `.dim_IntList` overloads.
using DimsReduction = at::Tensor (*)(const at::Tensor&, at::IntArrayRef, bool);
at::Tensor sumDims(const at::Tensor& t, at::IntArrayRef dims, bool keepdim) { return at::sum(t, dims, keepdim); }
at::Tensor meanDims(const at::Tensor& t, at::IntArrayRef dims, bool keepdim) { return at::mean(t, dims, keepdim); }

constexpr char meanSelf[] = "mean: self";
constexpr char sumDim[] = "sum: dim";
constexpr char meanDim[] = "mean: dim";

template <DimsReduction Op, const char* Self, const char* Dim>
Napi::Value dimsReductionFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& self = unwrap(env, info[0], Self);
  const bool keepdim = info[2].ToBoolean().Value();
  if (info[1].IsNumber()) {
    const int64_t dim = argInt(info, 1, Dim);
    return wrap(env, Op(self, dim, keepdim));
  }
  return wrap(env, Op(self, parseIntList(env, info[1], Dim), keepdim));
}

// An int64 or null (undefined too): a slice's start or stop.
c10::optional<int64_t> optionalInt(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info[i].IsNull() || info[i].IsUndefined()) return c10::nullopt;
  if (!info[i].IsNumber() || !isIntegral(info[i].As<Napi::Number>().DoubleValue())) {
    throwTypeError(info.Env(), std::string(what) + " must be an integer or null");
  }
  return static_cast<int64_t>(info[i].As<Napi::Number>().DoubleValue());
}

// slice(self, dim, start|null, stop|null, step): Python's `t[:, a:b:c]` along one dim, a view.
Napi::Value sliceFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& self = unwrap(env, info[0], "slice: self");
  return wrap(env, at::slice(self, argInt(info, 1, "slice: dim"), optionalInt(info, 2, "slice: start"), optionalInt(info, 3, "slice: stop"),
                             argInt(info, 4, "slice: step")));
}

// index(self, [handle | null, ...] | handle): Python's `t[idx]` with tensor indices (null: a
// whole dim); one handle alone indexes the first dim.
Napi::Value indexFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const at::Tensor& self = unwrap(env, info[0], "index: self");
  c10::List<c10::optional<at::Tensor>> indices;
  if (info[1].IsNumber()) {
    indices.push_back(unwrap(env, info[1], "index: indices"));
  } else {
    if (!info[1].IsArray()) throwTypeError(env, "index: indices must be an array of tensors and nulls");
    auto array = info[1].As<Napi::Array>();
    indices.reserve(array.Length());
    for (uint32_t i = 0; i < array.Length(); i++) {
      Napi::Value item = array.Get(i);
      if (item.IsNull()) indices.push_back(c10::nullopt);
      else indices.push_back(unwrap(env, item, "index: indices"));
    }
  }
  return wrap(env, at::index(self, indices));
}

void init(Napi::Env env, Napi::Object exports) {
  define(env, exports, "fromData", fromData);
  define(env, exports, "toData", toData);
  define(env, exports, "item", item);
  define(env, exports, "shape", shapeOf);
  define(env, exports, "dtype", dtypeOf);
  define(env, exports, "device", deviceOf);
  define(env, exports, "requiresGrad", requiresGrad);
  define(env, exports, "setRequiresGrad", setRequiresGrad);
  define(env, exports, "isLeaf", isLeaf);
  define(env, exports, "isContiguous", isContiguous);
  define(env, exports, "gradFn", gradFn);
  define(env, exports, "grad", grad);
  define(env, exports, "setGrad", setGrad);
  define(env, exports, "backward", backward);
  define(env, exports, "autogradGrad", autogradGrad);
  define(env, exports, "setGradEnabled", setGradEnabled);
  define(env, exports, "isGradEnabled", isGradEnabled);
  define(env, exports, "relu", unaryFast<reluOp, reluSelf>);
  define(env, exports, "exp", unaryFast<expOp, expSelf>);
  define(env, exports, "log", unaryFast<logOp, logSelf>);
  define(env, exports, "sigmoid", unaryFast<sigmoidOp, sigmoidSelf>);
  define(env, exports, "tanh", unaryFast<tanhOp, tanhSelf>);
  define(env, exports, "neg", unaryFast<negOp, negSelf>);
  define(env, exports, "sumAll", unaryFast<sumOp, sumSelf>, "sum");
  define(env, exports, "softmax", alongDimFast<softmaxOp, softmaxSelf>);
  define(env, exports, "logSoftmax", alongDimFast<logSoftmaxOp, logSoftmaxSelf>, "log_softmax");
  define(env, exports, "select", selectFast);
  define(env, exports, "add", binaryFast<addOp, addSelf, addOther>);
  define(env, exports, "sub", binaryFast<subOp, subSelf, subOther>);
  define(env, exports, "mul", binaryFast<mulOp, mulSelf, mulOther>);
  define(env, exports, "div", binaryFast<divOp, divSelf, divOther>);
  define(env, exports, "matmul", binaryFast<matmulOp, matmulSelf, matmulOther>);
  define(env, exports, "addScalar", scalarFast<addOp, addName, addSelf>, "add");
  define(env, exports, "subScalar", scalarFast<subOp, subName, subSelf>, "sub");
  define(env, exports, "mulScalar", scalarFast<mulOp, mulName, mulSelf>, "mul");
  define(env, exports, "divScalar", scalarFast<divOp, divName, divSelf>, "div");
  define(env, exports, "add_", inPlaceFast<addInPlace, false, add_Self, add_Other>);
  define(env, exports, "sub_", inPlaceFast<subInPlace, false, sub_Self, sub_Other>);
  define(env, exports, "mul_", inPlaceFast<mulInPlace, false, mul_Self, mul_Other>);
  define(env, exports, "div_", inPlaceFast<divInPlace, false, div_Self, div_Other>);
  define(env, exports, "add_Scalar", inPlaceFast<addInPlace, true, add_Self, add_Other>, "add_");
  define(env, exports, "sub_Scalar", inPlaceFast<subInPlace, true, sub_Self, sub_Other>, "sub_");
  define(env, exports, "mul_Scalar", inPlaceFast<mulInPlace, true, mul_Self, mul_Other>, "mul_");
  define(env, exports, "div_Scalar", inPlaceFast<divInPlace, true, div_Self, div_Other>, "div_");
  define(env, exports, "sumDims", dimsReductionFast<sumDims, sumSelf, sumDim>, "sum");
  define(env, exports, "meanDims", dimsReductionFast<meanDims, meanSelf, meanDim>, "mean");
  define(env, exports, "slice", sliceFast);
  define(env, exports, "index", indexFast);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
