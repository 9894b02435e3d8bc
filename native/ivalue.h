// Conversions between JS values and LibTorch's IValues, for the files (torch.save/load) and
// TorchScript modules: records of tensors, numbers, strings, lists and dicts, nested.
#pragma once
#include "common.h"

#include <ATen/core/ivalue.h>

namespace mt {

// JS -> IValue. Tensors (handles or objects with `_h`), numbers (integers become ints), bigints,
// booleans, strings, null/undefined (None), arrays (lists), plain objects and Maps (dicts: string
// keys, or int keys where every key is an integer: an optimizer's `state`). Arrays of tensors
// become typed tensor lists, as TorchScript signatures want them. Nesting past 1,000 levels (or a
// value holding itself) is an Error naming `where`.
c10::IValue toIValue(Napi::Env env, const Napi::Value& value, const std::string& where);

// IValue -> JS. Tensors are made by `tensorFactory(handle)`; dicts become plain objects, lists
// and tuples arrays, None null.
Napi::Value fromIValue(Napi::Env env, const c10::IValue& value, const Napi::Function& tensorFactory);

}  // namespace mt
