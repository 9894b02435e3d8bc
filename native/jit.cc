// torch.jit.load: TorchScript modules saved from Python, run and trained from JS. Parameters and
// buffers cross as handles to the module's own tensors, so an optimizer stepping them (and
// gradients accumulating on them) act on the scripted module itself.
#include "ivalue.h"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <sstream>
#include <unordered_map>

namespace mt {
namespace {

// This environment's modules by id.
struct Modules {
  std::unordered_map<int, torch::jit::Module> table;
};

Napi::Value keep(Napi::Env env, torch::jit::Module module) {
  const int id = newObjectId();
  part<Modules>(env).table.emplace(id, std::move(module));
  return Napi::Number::New(env, id);
}

torch::jit::Module& moduleOf(const Napi::CallbackInfo& info) {
  auto& modules = part<Modules>(info.Env()).table;
  auto found = modules.find(argInt(info, 0, "module id"));
  if (found == modules.end()) throwError(info.Env(), "the TorchScript module has been disposed or belongs to another thread");
  return found->second;
}

// jitLoad(path, device?) -> id
Napi::Value load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throwTypeError(env, "jit.load takes a file path");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  c10::optional<at::Device> device;
  if (info[1].IsString()) device = parseDevice(env, info[1]);
  return keep(env, torch::jit::load(path, device));
}

// jitCall(id, method, args[], tensorFactory) -> the method's result
Napi::Value call(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& module = moduleOf(info);
  if (!info[1].IsString()) throwTypeError(env, "method name must be a string");
  if (!info[2].IsArray()) throwTypeError(env, "arguments must be an array");
  if (!info[3].IsFunction()) throwTypeError(env, "jitCall takes a tensor factory");
  std::string name = info[1].As<Napi::String>().Utf8Value();
  auto method = module.find_method(name);
  if (!method) throwError(env, "the TorchScript module has no method '" + name + "'");
  auto args = info[2].As<Napi::Array>();
  std::vector<c10::IValue> inputs;
  for (uint32_t i = 0; i < args.Length(); i++) inputs.push_back(toIValue(env, args.Get(i), "argument " + std::to_string(i)));
  return fromIValue(env, (*method)(std::move(inputs)), info[3].As<Napi::Function>());
}

// jitNamedTensors(id) -> [key, handle, isParameter][]: the module's own parameters and buffers, in
// PyTorch's state-dict order (each submodule's parameters, then its buffers, depth first).
Napi::Value namedTensors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& module = moduleOf(info);
  auto out = Napi::Array::New(env);
  uint32_t i = 0;
  auto add = [&](const std::string& prefix, const std::string& name, const at::Tensor& t, bool isParameter) {
    auto entry = Napi::Array::New(env, 3);
    entry.Set(0u, prefix.empty() ? name : prefix + "." + name);
    entry.Set(1u, wrap(env, t));
    entry.Set(2u, isParameter);
    out.Set(i++, entry);
  };
  for (const auto& sub : module.named_modules()) {
    for (const auto& p : sub.value.named_parameters(false)) add(sub.name, p.name, p.value, true);
    for (const auto& b : sub.value.named_buffers(false)) add(sub.name, b.name, b.value, false);
  }
  return out;
}

Napi::Value train(const Napi::CallbackInfo& info) {
  if (!info[1].IsBoolean()) throwTypeError(info.Env(), "train takes a boolean");
  moduleOf(info).train(info[1].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

Napi::Value isTraining(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), moduleOf(info).is_training()); }

// jitTo(id, device?, dtype?)
Napi::Value to(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto& module = moduleOf(info);
  const bool hasDevice = info[1].IsString(), hasDtype = info[2].IsString();
  if (hasDevice && hasDtype) module.to(parseDevice(env, info[1]), parseDtype(env, info[2]));
  else if (hasDevice) module.to(parseDevice(env, info[1]));
  else if (hasDtype) module.to(parseDtype(env, info[2]));
  return env.Undefined();
}

// jitCopy(id) -> id of a deep copy (fresh storage for every tensor).
Napi::Value copy(const Napi::CallbackInfo& info) { return keep(info.Env(), moduleOf(info).deepcopy()); }

// jitSave(id) -> Buffer holding the TorchScript archive (written to disk by the caller).
Napi::Value save(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  moduleOf(info).save(out);
  std::string bytes = out.str();
  return Napi::Buffer<char>::Copy(info.Env(), bytes.data(), bytes.size());
}

Napi::Value release(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) part<Modules>(info.Env()).table.erase(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

void init(Napi::Env env, Napi::Object exports) {
  define(env, exports, "jitLoad", load);
  define(env, exports, "jitCall", call);
  define(env, exports, "jitNamedTensors", namedTensors);
  define(env, exports, "jitTrain", train);
  define(env, exports, "jitIsTraining", isTraining);
  define(env, exports, "jitTo", to);
  define(env, exports, "jitCopy", copy);
  define(env, exports, "jitSave", save);
  define(env, exports, "jitFree", release);
}

}  // namespace

MT_EXPORTS(init);

}  // namespace mt
