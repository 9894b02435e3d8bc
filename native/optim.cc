// torch.optim over LibTorch's own optimizers (torch::optim::SGD, Adam, AdamW): creation from
// parameter groups, step, zeroGrad, per-group options (a settable lr), and the per-parameter
// state in and out, which src/optim/ turns into PyTorch's state-dict layout.
#include "common.h"

#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/sgd.h>

#include <memory>
#include <sstream>
#include <type_traits>
#include <unordered_map>

namespace mt {
namespace {

using torch::optim::Optimizer;

enum class Kind { SGD, Adam, AdamW };

struct Entry {
  Kind kind;
  std::unique_ptr<Optimizer> optimizer;
};

// This environment's optimizers by id.
struct Optimizers {
  std::unordered_map<int, Entry> table;
};

Entry& entryOf(const Napi::CallbackInfo& info) {
  auto& optimizers = part<Optimizers>(info.Env()).table;
  auto found = optimizers.find(argInt(info, 0, "optimizer id"));
  if (found == optimizers.end()) throwError(info.Env(), "the optimizer has been disposed or belongs to another thread");
  return found->second;
}

// LibTorch keys its per-parameter state by the TensorImpl's address: printed as a string in
// 1.x, the raw pointer in 2.x. This follows whichever the headers declare.
using StateMap = std::decay_t<decltype(std::declval<Optimizer&>().state())>;
template <typename Key = typename StateMap::key_type>
Key stateKey(const at::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream out;
    out << p.unsafeGetTensorImpl();
    return out.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

// ---- options --------------------------------------------------------------------------------

double numberOption(Napi::Env env, const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) throwTypeError(env, "option '" + name + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

bool flagOption(Napi::Env env, const Napi::Value& v, const std::string& name) {
  if (!v.IsBoolean()) throwTypeError(env, "option '" + name + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

void setOption(Napi::Env env, torch::optim::SGDOptions& o, const std::string& name, const Napi::Value& v) {
  if (name == "lr") o.lr(numberOption(env, v, name));
  else if (name == "momentum") o.momentum(numberOption(env, v, name));
  else if (name == "dampening") o.dampening(numberOption(env, v, name));
  else if (name == "weightDecay") o.weight_decay(numberOption(env, v, name));
  else if (name == "nesterov") o.nesterov(flagOption(env, v, name));
  else throwTypeError(env, "SGD has no option '" + name + "' (it has lr, momentum, dampening, weightDecay, nesterov)");
}

Napi::Object optionsObject(Napi::Env env, const torch::optim::SGDOptions& o) {
  auto out = Napi::Object::New(env);
  out.Set("lr", o.lr());
  out.Set("momentum", o.momentum());
  out.Set("dampening", o.dampening());
  out.Set("weightDecay", o.weight_decay());
  out.Set("nesterov", o.nesterov());
  return out;
}

// Adam and AdamW have the same options.
template <typename AdamOptions>
void setOption(Napi::Env env, AdamOptions& o, const std::string& name, const Napi::Value& v) {
  if (name == "lr") o.lr(numberOption(env, v, name));
  else if (name == "eps") o.eps(numberOption(env, v, name));
  else if (name == "weightDecay") o.weight_decay(numberOption(env, v, name));
  else if (name == "amsgrad") o.amsgrad(flagOption(env, v, name));
  else if (name == "betas") {
    if (!v.IsArray() || v.As<Napi::Array>().Length() != 2) throwTypeError(env, "option 'betas' must be [beta1, beta2]");
    auto betas = v.As<Napi::Array>();
    o.betas(std::make_tuple(numberOption(env, betas.Get(0u), "betas[0]"), numberOption(env, betas.Get(1u), "betas[1]")));
  } else {
    throwTypeError(env, "Adam has no option '" + name + "' (it has lr, betas, eps, weightDecay, amsgrad)");
  }
}

template <typename AdamOptions>
Napi::Object optionsObject(Napi::Env env, const AdamOptions& o) {
  auto out = Napi::Object::New(env);
  auto betas = Napi::Array::New(env, 2);
  betas.Set(0u, std::get<0>(o.betas()));
  betas.Set(1u, std::get<1>(o.betas()));
  out.Set("lr", o.lr());
  out.Set("betas", betas);
  out.Set("eps", o.eps());
  out.Set("weightDecay", o.weight_decay());
  out.Set("amsgrad", o.amsgrad());
  return out;
}

template <typename Options>
void applyOptions(Napi::Env env, Options& o, const Napi::Value& given) {
  if (given.IsUndefined() || given.IsNull()) return;
  if (!given.IsObject()) throwTypeError(env, "optimizer options must be an object");
  auto object = given.As<Napi::Object>();
  auto names = object.GetPropertyNames();
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).ToString().Utf8Value();
    Napi::Value value = object.Get(name);
    if (!value.IsUndefined()) setOption(env, o, name, value);
  }
}

std::vector<at::Tensor> paramList(Napi::Env env, const Napi::Value& v) {
  if (!v.IsArray()) throwTypeError(env, "a parameter group's params must be an array of Tensors");
  auto array = v.As<Napi::Array>();
  std::vector<at::Tensor> params;
  for (uint32_t i = 0; i < array.Length(); i++) params.push_back(unwrap(env, array.Get(i), "parameter"));
  return params;
}

template <typename Optim, typename Options>
std::unique_ptr<Optimizer> build(Napi::Env env, const Napi::Array& groups, Options defaults) {
  std::vector<torch::optim::OptimizerParamGroup> built;
  for (uint32_t i = 0; i < groups.Length(); i++) {
    auto group = groups.Get(i).As<Napi::Object>();
    Options options = defaults;
    applyOptions(env, options, group.Get("options"));
    Optim check(std::vector<at::Tensor>{}, options);  // LibTorch validates options in its constructor
    built.emplace_back(paramList(env, group.Get("params")), std::make_unique<Options>(options));
  }
  return std::make_unique<Optim>(std::move(built), defaults);
}

// optimCreate(kind: 'sgd' | 'adam' | 'adamw', groups: { params, options }[], defaults) -> id
Napi::Value create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwTypeError(env, "optimizer kind must be a string");
  if (!info[1].IsArray()) throwTypeError(env, "parameter groups must be an array");
  std::string kind = info[0].As<Napi::String>().Utf8Value();
  auto groups = info[1].As<Napi::Array>();
  Entry entry;
  if (kind == "sgd") {
    if (!info[2].IsObject() || !info[2].As<Napi::Object>().Get("lr").IsNumber()) throwTypeError(env, "SGD needs a learning rate: { lr }");
    torch::optim::SGDOptions defaults(0);
    applyOptions(env, defaults, info[2]);
    entry = {Kind::SGD, build<torch::optim::SGD>(env, groups, defaults)};
  } else if (kind == "adam") {
    torch::optim::AdamOptions defaults;
    applyOptions(env, defaults, info[2]);
    entry = {Kind::Adam, build<torch::optim::Adam>(env, groups, defaults)};
  } else if (kind == "adamw") {
    torch::optim::AdamWOptions defaults;
    applyOptions(env, defaults, info[2]);
    entry = {Kind::AdamW, build<torch::optim::AdamW>(env, groups, defaults)};
  } else {
    throwTypeError(env, "unknown optimizer '" + kind + "' (sgd, adam, adamw)");
  }
  const int id = newObjectId();
  part<Optimizers>(env).table.emplace(id, std::move(entry));
  return Napi::Number::New(env, id);
}

// Runs `fn` with the group's options cast to the optimizer's own options type.
template <typename Fn>
auto withOptions(Entry& entry, torch::optim::OptimizerOptions& options, Fn fn) {
  switch (entry.kind) {
    case Kind::SGD: return fn(static_cast<torch::optim::SGDOptions&>(options));
    case Kind::Adam: return fn(static_cast<torch::optim::AdamOptions&>(options));
    default: return fn(static_cast<torch::optim::AdamWOptions&>(options));
  }
}

// optimAddParamGroup(id, params, options)
Napi::Value addParamGroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entry& entry = entryOf(info);
  auto params = paramList(env, info[1]);
  withOptions(entry, entry.optimizer->defaults(), [&](auto& defaults) {
    using Options = std::decay_t<decltype(defaults)>;
    Options options = defaults;
    applyOptions(env, options, info[2]);
    entry.optimizer->add_param_group(torch::optim::OptimizerParamGroup(params, std::make_unique<Options>(options)));
    return 0;
  });
  return env.Undefined();
}

Napi::Value step(const Napi::CallbackInfo& info) {
  entryOf(info).optimizer->step();
  return info.Env().Undefined();
}

// optimZeroGrad(id, setToNone): frees the gradients (PyTorch 2's default) or zeroes them.
Napi::Value zeroGrad(const Napi::CallbackInfo& info) {
  Entry& entry = entryOf(info);
  const bool setToNone = !info[1].IsBoolean() || info[1].As<Napi::Boolean>().Value();
  for (auto& group : entry.optimizer->param_groups()) {
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (setToNone) {
        p.mutable_grad().reset();
      } else {
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
    }
  }
  return info.Env().Undefined();
}

torch::optim::OptimizerParamGroup& groupOf(const Napi::CallbackInfo& info, Entry& entry) {
  const int index = argInt(info, 1, "group index");
  auto& groups = entry.optimizer->param_groups();
  if (index < 0 || static_cast<size_t>(index) >= groups.size()) {
    throwError(info.Env(), "no parameter group " + std::to_string(index) + " (the optimizer has " + std::to_string(groups.size()) + ")");
  }
  return groups[index];
}

// optimGetOptions(id, group) -> { lr, ... }
Napi::Value getOptions(const Napi::CallbackInfo& info) {
  Entry& entry = entryOf(info);
  return withOptions(entry, groupOf(info, entry).options(), [&](auto& o) { return optionsObject(info.Env(), o); });
}

// optimSetOption(id, group, name, value)
Napi::Value setGroupOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entry& entry = entryOf(info);
  auto& group = groupOf(info, entry);
  if (!info[2].IsString()) throwTypeError(env, "option name must be a string");
  std::string name = info[2].As<Napi::String>().Utf8Value();
  withOptions(entry, group.options(), [&](auto& o) {
    setOption(env, o, name, info[3]);
    return 0;
  });
  return env.Undefined();
}

// ---- state ----------------------------------------------------------------------------------

std::vector<at::Tensor*> allParams(Entry& entry) {
  std::vector<at::Tensor*> params;
  for (auto& group : entry.optimizer->param_groups())
    for (auto& p : group.params()) params.push_back(&p);
  return params;
}

void setHandle(Napi::Env env, Napi::Object& out, const char* name, const at::Tensor& t) {
  if (t.defined()) out.Set(name, wrap(env, t));
}

template <typename AdamState>
Napi::Value adamStateObject(Napi::Env env, const AdamState& s) {
  auto out = Napi::Object::New(env);
  out.Set("step", static_cast<double>(s.step()));
  setHandle(env, out, "exp_avg", s.exp_avg());
  setHandle(env, out, "exp_avg_sq", s.exp_avg_sq());
  setHandle(env, out, "max_exp_avg_sq", s.max_exp_avg_sq());
  return out;
}

// optimState(id) -> per parameter, in group order: null, or its state with tensor handles
// ({ momentum_buffer } for SGD, { step, exp_avg, exp_avg_sq, max_exp_avg_sq? } for Adam/AdamW).
// The tensors are the optimizer's own (shared storage), as in PyTorch's state_dict().
Napi::Value getState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entry& entry = entryOf(info);
  auto params = allParams(entry);
  auto& state = entry.optimizer->state();
  auto out = Napi::Array::New(env, params.size());
  for (size_t i = 0; i < params.size(); i++) {
    auto found = state.find(stateKey(*params[i]));
    Napi::Value value = env.Null();
    if (found != state.end()) {
      auto& s = *found->second;
      if (entry.kind == Kind::SGD) {
        auto object = Napi::Object::New(env);
        setHandle(env, object, "momentum_buffer", static_cast<torch::optim::SGDParamState&>(s).momentum_buffer());
        value = object;
      } else if (entry.kind == Kind::Adam) {
        value = adamStateObject(env, static_cast<torch::optim::AdamParamState&>(s));
      } else {
        value = adamStateObject(env, static_cast<torch::optim::AdamWParamState&>(s));
      }
    }
    out.Set(static_cast<uint32_t>(i), value);
  }
  return out;
}

// A saved state tensor, copied into the parameter's device and (for floats) dtype, as
// PyTorch's load_state_dict does.
at::Tensor stateTensor(Napi::Env env, const Napi::Object& given, const char* name, const at::Tensor& param) {
  Napi::Value v = given.Get(name);
  if (v.IsUndefined() || v.IsNull()) return at::Tensor();
  at::Tensor t = unwrap(env, v, name);
  if (!t.sizes().equals(param.sizes())) {
    throwError(env, std::string("state '") + name + "' has shape " + shapeString(t.sizes()) + " but its parameter has shape " +
                        shapeString(param.sizes()));
  }
  return t.detach().to(param.device(), param.scalar_type(), /*non_blocking=*/false, /*copy=*/true);
}

template <typename AdamState>
std::unique_ptr<AdamState> adamState(Napi::Env env, const Napi::Object& given, const at::Tensor& param) {
  auto s = std::make_unique<AdamState>();
  if (!given.Get("step").IsNumber()) throwTypeError(env, "Adam state needs a numeric 'step'");
  s->step(static_cast<int64_t>(given.Get("step").As<Napi::Number>().DoubleValue()));
  s->exp_avg(stateTensor(env, given, "exp_avg", param));
  s->exp_avg_sq(stateTensor(env, given, "exp_avg_sq", param));
  s->max_exp_avg_sq(stateTensor(env, given, "max_exp_avg_sq", param));
  if (!s->exp_avg().defined() || !s->exp_avg_sq().defined()) throwError(env, "Adam state needs exp_avg and exp_avg_sq");
  return s;
}

// optimSetState(id, paramIndex, state | null)
Napi::Value setState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Entry& entry = entryOf(info);
  auto params = allParams(entry);
  const int index = argInt(info, 1, "parameter index");
  if (index < 0 || static_cast<size_t>(index) >= params.size()) {
    throwError(env, "no parameter " + std::to_string(index) + " (the optimizer has " + std::to_string(params.size()) + ")");
  }
  const at::Tensor& param = *params[index];
  auto& state = entry.optimizer->state();
  auto key = stateKey(param);
  if (info[2].IsNull() || info[2].IsUndefined()) {
    state.erase(key);
    return env.Undefined();
  }
  if (!info[2].IsObject()) throwTypeError(env, "a parameter's state must be an object");
  auto given = info[2].As<Napi::Object>();
  if (entry.kind == Kind::SGD) {
    auto s = std::make_unique<torch::optim::SGDParamState>();
    s->momentum_buffer(stateTensor(env, given, "momentum_buffer", param));
    state[key] = std::move(s);
  } else if (entry.kind == Kind::Adam) {
    state[key] = adamState<torch::optim::AdamParamState>(env, given, param);
  } else {
    state[key] = adamState<torch::optim::AdamWParamState>(env, given, param);
  }
  return env.Undefined();
}

Napi::Value release(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) part<Optimizers>(info.Env()).table.erase(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  define(env, exports, "optimCreate", create);
  define(env, exports, "optimAddParamGroup", addParamGroup);
  define(env, exports, "optimStep", step);
  define(env, exports, "optimZeroGrad", zeroGrad);
  define(env, exports, "optimGetOptions", getOptions);
  define(env, exports, "optimSetOption", setGroupOption);
  define(env, exports, "optimState", getState);
  define(env, exports, "optimSetState", setState);
  define(env, exports, "optimFree", release);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
