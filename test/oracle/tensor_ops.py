#!/usr/bin/python3
"""PyTorch oracle for the tensor core's parity tests (test/tensor-parity.test.ts and friends).

Reads one JSON request on stdin:
  {"threads": n, "cases": [{"op": NAME, "args": [...], "seed": s?, "gradOutputs": [...]?, "want": "values"|"str"}]}
Tensors travel as {"__tensor__": {"dtype", "shape", "values", "grad"}} (values flat, row-major;
non-finite floats and negative zero as the strings "nan", "inf", "-inf", "-0"). Each case runs OPS[NAME](*args) in PyTorch;
with gradOutputs, loss = sum_i (out_i * g_i).sum() is backpropagated, as the JS side does.
Writes {"results": [{"out": [...], "gradFns": [...], "grads": [...]}]} or {"error": ...} per case.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def number_in(v):
    return float(v) if isinstance(v, str) else v


def number_out(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def decode(value, leaves):
    if isinstance(value, dict) and "__tensor__" in value:
        spec = value["__tensor__"]
        dtype = DTYPES[spec["dtype"]]
        values = [number_in(v) for v in spec["values"]]
        staged = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
        t = torch.tensor(values, dtype=staged).reshape(spec["shape"]).to(dtype)
        if spec.get("grad"):
            t.requires_grad_(True)
            leaves.append(t)
        return t
    if isinstance(value, list):
        return [decode(v, leaves) for v in value]
    if isinstance(value, dict):
        return {k: decode(v, leaves) for k, v in value.items()}
    return value


def encode(t):
    t = t.detach()
    values = t.float() if t.dtype in (torch.float16, torch.bfloat16) else t
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape),
            "values": [number_out(v) for v in values.reshape(-1).tolist()]}


def flat_outputs(result):
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (list, tuple)):
        return [t for r in result for t in flat_outputs(r)]
    return [result]


def grad_fn_name(t):
    return type(t.grad_fn).__name__ if isinstance(t, torch.Tensor) and t.grad_fn is not None else None


# ---- the ops, written as a PyTorch user would -------------------------------------------------

def index_key(spec):
    """The Python index for the JS index spec: numbers, None, '...', 'start:stop:step', tensors, lists."""
    def one(s):
        if s is None or isinstance(s, (int, torch.Tensor, list)):
            return s
        if s == "...":
            return Ellipsis
        start, stop, step = (s.split(":") + [""])[:3]
        part = lambda p: int(p) if p.strip() else None
        return slice(part(start), part(stop), part(step))
    return tuple(one(s) for s in spec)


def index_put(t, spec, value):
    t = t.clone()
    t[index_key(spec)] = value
    return t


def in_place(method, *args, **kwargs):
    def run(t, *more):
        t = t.clone()
        out = getattr(t, method)(*args, *more, **kwargs)
        return [t, torch.tensor(out is t)]
    return run


def batch_norm_train(x, rm, rv, w, b):
    out = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-3)
    return [out, rm, rv]


OPS = {
    # arithmetic (fast and generic paths)
    "add": lambda a, b: a + b,
    "add_alpha": lambda a, b: torch.add(a, b, alpha=2),
    "add_scalar": lambda a: a + 2.5,
    "add_int_scalar": lambda a: a + 3,
    "sub": lambda a, b: a - b,
    "sub_scalar": lambda a: a - 1.5,
    "sub_alpha": lambda a, b: torch.sub(a, b, alpha=0.5),
    "mul": lambda a, b: a * b,
    "mul_scalar": lambda a: a * 3,
    "div": lambda a, b: a / b,
    "div_scalar": lambda a: a / 4,
    "div_floor": lambda a, b: torch.div(a, b, rounding_mode="floor"),
    "div_trunc": lambda a, b: torch.div(a, b, rounding_mode="trunc"),
    "pow_scalar": lambda a: a.pow(3),
    "pow_tensor": lambda a, b: a.pow(b),
    "neg": lambda a: -a,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "matmul": torch.matmul,
    "mm": torch.mm,
    "bmm": torch.bmm,
    # shapes
    "t": lambda a: a.t(),
    "transpose": lambda a: a.transpose(0, 2),
    "permute": lambda a: a.permute(2, 0, 1),
    "reshape": lambda a: a.reshape(4, -1),
    "view": lambda a: a.view(-1, 6),
    "flatten": lambda a: a.flatten(1),
    "unsqueeze": lambda a: a.unsqueeze(-1),
    "squeeze": lambda a: a.squeeze(),
    "squeeze_dim": lambda a: a.squeeze(1),
    "expand": lambda a: a.expand(3, 4, -1),
    "contiguous": lambda a: a.t().contiguous(),
    "clone": lambda a: a.clone(),
    "detach": lambda a: a.detach(),
    # reductions
    "sum": lambda a: a.sum(),
    "sum_dim": lambda a: a.sum(1),
    "sum_dims_keepdim": lambda a: a.sum(dim=[0, 2], keepdim=True),
    "sum_dtype": lambda a: a.sum(dtype=torch.float64),
    "mean": lambda a: a.mean(),
    "mean_dim": lambda a: a.mean(dim=-1, keepdim=True),
    "mean_dims": lambda a: a.mean(dim=[0, 2]),
    "sum_negative_dim": lambda a: a.sum(-2),
    "std": lambda a: a.std(),
    "std_dim": lambda a: a.std(dim=1, unbiased=False, keepdim=True),
    "var": lambda a: a.var(),
    "var_dim": lambda a: a.var(0),
    "max": lambda a: a.max(),
    "max_dim": lambda a: list(a.max(dim=1)),
    "max_dim_keepdim": lambda a: list(a.max(1, keepdim=True)),
    "max_other": lambda a, b: torch.max(a, b),
    "min": lambda a: a.min(),
    "min_dim": lambda a: list(a.min(dim=0)),
    "argmax": lambda a: a.argmax(),
    "argmax_dim": lambda a: a.argmax(dim=1),
    "argmin_dim": lambda a: a.argmin(dim=0, keepdim=True),
    "softmax": lambda a: a.softmax(1),
    "log_softmax": lambda a: a.log_softmax(-1),
    "topk": lambda a: list(a.topk(2, dim=1)),
    "norm": lambda a: a.norm(),
    "norm_dim": lambda a: a.norm(1, dim=1, keepdim=True),
    # clamps, comparisons, selection
    "clamp": lambda a: a.clamp(-0.5, 0.5),
    "clamp_min": lambda a: a.clamp(min=0.1),
    "clamp_tensor": lambda a, lo, hi: a.clamp(lo, hi),
    "eq": lambda a, b: a.eq(b),
    "eq_scalar": lambda a: a.eq(2),
    "gt": lambda a, b: a > b,
    "lt_scalar": lambda a: a < 0,
    "ge": lambda a, b: a >= b,
    "le_scalar": lambda a: a <= 1,
    "where": lambda c, a, b: torch.where(c, a, b),
    "where_scalar": lambda c, a: torch.where(c, a, 0.5),
    "method_where": lambda a, c, b: a.where(c, b),
    "masked_fill": lambda a, m: a.masked_fill(m, -1.0),
    "index": lambda t, spec: t[index_key(spec)],
    "index_put": index_put,
    "index_select": lambda a, i: a.index_select(1, i),
    "gather": lambda a, i: a.gather(1, i),
    "narrow": lambda a: a.narrow(1, 1, 2),
    "chunk": lambda a: list(a.chunk(3, 1)),
    "split": lambda a: list(a.split(2)),
    "split_sizes": lambda a: list(a.split([1, 3], 1)),
    "flip": lambda a: a.flip([0, 1]),
    "roll": lambda a: a.roll(1, 0),
    "roll_flat": lambda a: a.roll(2),
    "cat": lambda a, b: torch.cat([a, b], 0),
    "cat_dim": lambda a, b: torch.cat([a, b], 1),
    "stack": lambda a, b: torch.stack([a, b], 1),
    "einsum": lambda a, b: torch.einsum("nc,ck->nk", a, b),
    "einsum_batch": lambda a, b: torch.einsum("bij,bjk->bik", a, b),
    # in place: the result, and whether the op returned the tensor itself
    "add_": in_place("add_", alpha=2),
    "sub_": in_place("sub_"),
    "mul_": in_place("mul_"),
    "div_": in_place("div_"),
    "mul_scalar_": in_place("mul_", 0.5),
    "add_int_scalar_": in_place("add_", 3),
    "sub_scalar_alpha_": in_place("sub_", 1.5, alpha=2),
    "div_scalar_": in_place("div_", 4),
    "add_int_alpha_": in_place("add_", alpha=3),
    "copy_": in_place("copy_"),
    "zero_": in_place("zero_"),
    "fill_": in_place("fill_", 7),
    "lerp_": in_place("lerp_"),
    "lerp_scalar_": lambda a, b: in_place("lerp_")(a, b, 0.25),
    "clamp_": in_place("clamp_", -0.2, 0.3),
    "normal_": in_place("normal_", 1.0, 2.0),
    "uniform_": in_place("uniform_", -1.0, 3.0),
    # moving and converting
    "to_float64": lambda a: a.to(torch.float64),
    "to_int32": lambda a: a.to(dtype=torch.int32),
    "to_cpu": lambda a: a.to("cpu"),
    "cpu": lambda a: a.cpu(),
    "float": lambda a: a.float(),
    "long": lambda a: a.long(),
    "to_bfloat16": lambda a: a.to(torch.bfloat16),
    "to_float16": lambda a: a.half(),
    # factories
    "zeros": lambda: torch.zeros(2, 3),
    "ones_int": lambda: torch.ones(3, dtype=torch.int32),
    "full": lambda: torch.full((2, 2), 1.5),
    "full_int": lambda: torch.full((3,), 7),
    "arange": lambda: torch.arange(5),
    "arange_float": lambda: torch.arange(0, 1, 0.25),
    "linspace": lambda: torch.linspace(-1, 1, 7),
    "eye": lambda: torch.eye(3, 4),
    "zeros_like": lambda a: torch.zeros_like(a),
    "ones_like": lambda a: torch.ones_like(a, dtype=torch.float64),
    "tensor_nested": lambda: torch.tensor([[1, 2], [3, 4]]),
    "tensor_float": lambda: torch.tensor([1.5, 2, 3]),
    "tensor_bool": lambda: torch.tensor([True, False]),
    "tensor_scalar": lambda: torch.tensor(3.25),
    "randn": lambda: torch.randn(5, 7),
    "rand": lambda: torch.rand(40),
    "randint": lambda: torch.randint(3, 10, (4, 5)),
    "randn_like": lambda a: torch.randn_like(a),
    "randn_after_randn": lambda: [torch.randn(3), torch.randn(2, 2)],
    # functional
    "linear": F.linear,
    "linear_nobias": lambda x, w: F.linear(x, w),
    "conv2d": lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
    "conv2d_groups": lambda x, w: F.conv2d(x, w, None, padding="same", groups=2),
    "batch_norm_train": batch_norm_train,
    "batch_norm_eval": lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-3),
    "layer_norm": lambda x, w, b: F.layer_norm(x, [4, 5], w, b, eps=1e-6),
    "max_pool2d": lambda x: F.max_pool2d(x, 2),
    "max_pool2d_stride": lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
    "avg_pool2d": lambda x: F.avg_pool2d(x, 2),
    "avg_pool2d_pad": lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
    "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x, 1),
    "adaptive_avg_pool2d_2x3": lambda x: F.adaptive_avg_pool2d(x, (2, 3)),
    "dropout_eval": lambda x: F.dropout(x, 0.3, training=False),
    "dropout_train": lambda x: F.dropout(x, 0.3, training=True),
    "f_relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
    "leaky_relu_default": F.leaky_relu,
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "f_softmax": lambda x: F.softmax(x, dim=1),
    "f_log_softmax": lambda x: F.log_softmax(x, dim=1),
    "normalize": lambda x: F.normalize(x),
    "normalize_dim0": lambda x: F.normalize(x, p=1, dim=0),
    "pad": lambda x: F.pad(x, (1, 2), value=0.5),
    "pad_2d": lambda x: F.pad(x, (1, 1, 2, 0)),
    "pad_reflect": lambda x: F.pad(x, (2, 2), mode="reflect"),
    "one_hot": F.one_hot,
    "one_hot_n": lambda x: F.one_hot(x, 6),
    "cross_entropy": lambda x, y: F.cross_entropy(x, y),
    "cross_entropy_ignore": lambda x, y: F.cross_entropy(x, y, ignore_index=-1),
    "cross_entropy_sum": lambda x, y: F.cross_entropy(x, y, reduction="sum"),
    "cross_entropy_none": lambda x, y: F.cross_entropy(x, y, reduction="none"),
    "cross_entropy_weight": lambda x, y, w: F.cross_entropy(x, y, weight=w, label_smoothing=0.1),
    "cross_entropy_probs": lambda x, p: F.cross_entropy(x, p),
    "cross_entropy_2d": lambda x, y: F.cross_entropy(x, y),
    "nll_loss": lambda x, y: F.nll_loss(x, y, ignore_index=-1),
    "nll_loss_sum": lambda x, y: F.nll_loss(x, y, reduction="sum"),
    "mse_loss": lambda x, y: F.mse_loss(x, y),
    "mse_loss_sum": lambda x, y: F.mse_loss(x, y, reduction="sum"),
    "kl_div_batchmean": lambda x, y: F.kl_div(x, y, reduction="batchmean"),
    "kl_div_log_target": lambda x, y: F.kl_div(x, y, reduction="sum", log_target=True),
    "kl_div_none": lambda x, y: F.kl_div(x, y, reduction="none"),
    "bce_logits": lambda x, y: F.binary_cross_entropy_with_logits(x, y),
    "bce_logits_pos_weight": lambda x, y, pw: F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none"),
    "cosine_similarity": lambda a, b: F.cosine_similarity(a, b),
    "cosine_similarity_dim0": lambda a, b: F.cosine_similarity(a, b, dim=0, eps=1e-6),
    # printing: the JS side builds the same tensor and compares toString() with str()
    "identity": lambda a: a,
    "times_two": lambda a: a * 2,
}


def run_case(case):
    if case.get("seed") is not None:
        torch.manual_seed(case["seed"])
    leaves = []
    args = decode(case.get("args", []), leaves)
    result = OPS[case["op"]](*args)
    if case.get("want") == "str":
        return {"str": str(result)}
    outputs = flat_outputs(result)
    reply = {
        "out": [encode(o) if isinstance(o, torch.Tensor) else number_out(o) for o in outputs],
        "gradFns": [grad_fn_name(o) for o in outputs],
    }
    grad_outputs = case.get("gradOutputs")
    if grad_outputs:
        loss = None
        for out, g in zip(outputs, decode(grad_outputs, [])):
            if g is not None:
                term = (out * g).sum()
                loss = term if loss is None else loss + term
        loss.backward()
        reply["grads"] = [encode(t.grad) if t.grad is not None else None for t in leaves]
    return reply


def main():
    request = json.load(sys.stdin)
    torch.set_num_threads(request.get("threads", 1))
    results = []
    for case in request["cases"]:
        try:
            results.append(run_case(case))
        except Exception as e:  # reported per case, so one bad case does not hide the others
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
