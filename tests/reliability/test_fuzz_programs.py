"""Property-based differential tests: hypothesis builds random programs of tapegrad ops over
random broadcastable shapes, runs them through tapegrad and through numpy, and compares every
intermediate result (float32 and float64), the tape's gradients (float64) with central finite
differences, and second-order gradients (nested tapes) with finite differences of the tape's
gradient.

Besides the elementwise, reduction, linear-algebra and shape ops, programs use where(cond, x,
y) with cond a comparison of program values (greater, less_equal, ..., as functions or
operators, against another value, a Python scalar or the value itself, possibly combined by
logical_and/or/xor/not), gather with random int32/int64 indices (repeats) along a random axis,
and unsorted_segment_sum with random segment ids (-1: dropped) over a prefix of the data's
shape; gradients flow to x/y, params and data, not to the condition, indices or ids.

The numpy references are the ops test tables' (tests/ops/test_*.py CASES, plus their
_softmax/_np_matmul/_slice/ACTS helpers): an op's reference is taken from the case that calls
the op itself, and the test fails if a table stops providing one. For where, gather and
unsorted_segment_sum, whose cases close over the condition / indices, they are the reference
factories test_where_gather.py's cases use (_where/_gather/_uss).

A step at a kink (relu/abs at 0, maximum of ties, a where() condition about to flip, ...) makes
finite differences meaningless: such programs are skipped (counted) for gradients when an
input is within KINK_MARGIN of it, and a dtype run is skipped for the forward comparison when
rounding could move an input across a jump (sign(), where()). where's comparisons are drawn
TIE_GAP apart (or compare a value with itself, an exact tie), so few of its programs are skipped.

Examples per test: a fixed, derandomized few thousand in total by default (CI); set
TAPEGRAD_FUZZ_EXAMPLES=N to run N random examples per test (a local fuzzing run, with
hypothesis' example database). The counts are printed in the run's summary.
"""

import operator
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import reliability_support
import tapegrad as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ops"))
import test_binary  # noqa: E402
import test_linear  # noqa: E402
import test_matmul  # noqa: E402
import test_reduce  # noqa: E402
import test_shape_ops  # noqa: E402
import test_softmax  # noqa: E402
import test_unary  # noqa: E402
import test_where_gather  # noqa: E402

# -- settings -----------------------------------------------------------------------------------
FUZZ_EXAMPLES = int(os.environ.get("TAPEGRAD_FUZZ_EXAMPLES", "0") or 0)
_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _settings(ci_examples):
    if FUZZ_EXAMPLES:
        return settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=_QUIET,
                        print_blob=True)
    return settings(max_examples=ci_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=_QUIET, print_blob=True)


COUNTS = reliability_support.COUNTS


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    c = COUNTS
    reliability_support.add(
        f"fuzz programs: {c['fwd_programs']} random programs compared with numpy in float32 and "
        f"float64 ({c['fwd_values']} op results; {c['fwd_with_where']} programs with where, "
        f"{c['fwd_with_gather']} with gather, {c['fwd_with_unsorted_segment_sum']} with "
        f"unsorted_segment_sum; {c['fwd_skipped']} dtype runs skipped at a sign(), floormod() or where() "
        f"discontinuity), {c['grad_programs']} gradients compared with finite differences "
        f"({c['grad_values']} values; {c['grad_skipped']} skipped near a kink), "
        f"{c['hess_programs']} second-order gradients ({c['hess_skipped']} skipped), "
        f"{c['thread_programs']} programs run by 4 threads at once bitwise like serially")


# -- the reference table (from tests/ops) -------------------------------------------------------
def _direct_refs(cases):
    """{op: (tapegrad fn, numpy ref, input sampler)} from the cases whose fn is the op itself."""
    out = {}
    for c in cases:
        op = c.ops[0]
        if getattr(c.fn, "__name__", None) == op and op not in out:
            out[op] = (c.fn, c.ref, c.inputs.__qualname__.split(".")[0])
    return out


UNARY = _direct_refs(test_unary.CASES)
BINARY = _direct_refs(test_binary.CASES)
REDUCE = _direct_refs(test_reduce.CASES)
REDUCE.setdefault("reduce_mean", (tf.reduce_mean, np.mean, "normal"))  # its cases are lambdas
assert set(UNARY) == {"negative", "abs", "sign", "square", "sqrt", "exp", "log", "log1p", "tanh",
                      "erf", "erfc", "sin", "cos", "tan", "atan", "sigmoid", "relu", "identity"}, sorted(UNARY)
assert set(BINARY) == {"add", "subtract", "multiply", "divide", "pow", "maximum", "minimum",
                       "floormod"}
assert set(REDUCE) == {"reduce_sum", "reduce_max", "reduce_min", "reduce_mean"}
# The samplers the tables use say which inputs an op needs: positive, away from a kink, ...
assert UNARY["log"][2] == UNARY["sqrt"][2] == UNARY["log1p"][2] == "positive"
assert UNARY["relu"][2] == UNARY["abs"][2] == UNARY["sign"][2] == "away_from_zero"
assert UNARY["tan"][2] == "uniform"
assert BINARY["divide"][2] == "_divisor" and BINARY["pow"][2] == "_positive_base"
assert BINARY["floormod"][2] == "_off_integer_quotients"
# where / gather / unsorted_segment_sum: the table's cases close over their bool condition or
# int indices (inputs() yields only the float operands), so no case's fn is the op itself and
# _direct_refs finds none. The fuzzer draws the condition / indices / ids per step and takes
# the table's reference factories for them (_where(cond), _gather(indices, axis),
# _uss(ids, num_segments)), as it takes _softmax or _slice; it fails if the table stops using them.
_WG_REFS = {c.ref.__qualname__.split(".")[0] for c in test_where_gather.CASES if c.ref is not None}
assert {"_where", "_gather", "_uss"} <= _WG_REFS, sorted(_WG_REFS)
assert {"where", "gather", "unsorted_segment_sum"} <= \
    {o for c in test_where_gather.CASES for o in c.ops}

_OPERATOR = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
             "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b,
             "pow": lambda a, b: a ** b, "floormod": lambda a, b: a % b}
_UNARY_OPERATOR = {"negative": lambda x: -x, "abs": lambda x: abs(x)}
_INF = float("inf")


def _min_abs(a):
    a = np.abs(np.asarray(a, dtype=np.float64))
    return float(a.min()) if a.size else _INF


def _max_gap(x, axis):
    """Smallest gap between the largest and second largest entry of each reduced group."""
    x = np.asarray(x, dtype=np.float64)
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(sorted(a % x.ndim for a in np.atleast_1d(axis)))
    if x.ndim == 0:
        return _INF
    keep = [d for d in range(x.ndim) if d not in axes]
    g = np.transpose(x, keep + list(axes)).reshape(int(np.prod([x.shape[d] for d in keep])), -1)
    if g.shape[1] < 2:
        return _INF
    s = np.sort(g, axis=1)
    return float((s[:, -1] - s[:, -2]).min())


class Op:
    """One program step: tapegrad call, numpy reference, the distance of its inputs from the
    op's kink (None: smooth) and from a jump of its value (None: continuous; sign() at 0,
    where() where its condition flips), all on the step's input values and parameters."""

    def __init__(self, tg, ref, kink=None, jump=None):
        self.tg, self.ref, self.kink, self.jump = tg, ref, kink, jump


def _unary_tg(name):
    fn = UNARY[name][0]

    def tg(args, p):
        (x,) = args
        if p["form"] == 1 and hasattr(tf.math, name):
            return getattr(tf.math, name)(x)
        if p["form"] == 2 and name in _UNARY_OPERATOR:
            return _UNARY_OPERATOR[name](x)
        return fn(x)
    return tg


def _binary_operands(args, p):
    if "scalar" not in p:
        return args
    return (args[0], p["scalar"]) if p["side"] == "right" else (p["scalar"], args[0])


def _binary_tg(name):
    fn = BINARY[name][0]

    def tg(args, p):
        a, b = _binary_operands(args, p)
        if p["form"] == 1:
            return getattr(tf.math, name)(a, b)
        if p["form"] == 2 and name in _OPERATOR and not (np.isscalar(a) and np.isscalar(b)):
            return _OPERATOR[name](a, b)
        return fn(a, b)
    return tg


def _binary_ref(name):
    ref = BINARY[name][1]
    return lambda args, p: ref(*_binary_operands(args, p))


def _binary_kink(name):
    if name == "floormod":  # jumps, and its gradient with it, where a / b is an integer
        def dist(args, p):
            a, b = (np.asarray(v, dtype=np.float64) for v in _binary_operands(args, p))
            q = a / b
            return _min_abs((q - np.round(q)) * b)
        return dist
    if name not in ("maximum", "minimum"):
        return None

    def kink(args, p):
        a, b = _binary_operands(args, p)
        return _min_abs(np.subtract(a, b))
    return kink


def _reduce_tg(name):
    fn = REDUCE[name][0]

    def tg(args, p):
        f = getattr(tf.math, name) if p["form"] else fn
        if p["axis"] is None and not p["keepdims"] and p["form"]:
            return f(args[0])
        return f(args[0], axis=p["axis"], keepdims=p["keepdims"])
    return tg


def _reduce_ref(name):
    ref = REDUCE[name][1]

    def r(args, p):
        ax = p["axis"]
        ax = tuple(ax) if isinstance(ax, list) else ax
        return ref(args[0], axis=ax, keepdims=p["keepdims"])
    return r


def _matmul_tg(args, p):
    a, b = args if p["side"] == "right" else args[::-1]
    if p["form"] == "operator":
        return a @ b
    if p["form"] == "adjoint":
        return tf.matmul(a, b, adjoint_a=p["ta"], adjoint_b=p["tb"])
    return tf.matmul(a, b, transpose_a=p["ta"], transpose_b=p["tb"])


def _matmul_ref(args, p):
    a, b = args if p["side"] == "right" else args[::-1]
    return test_matmul._np_matmul(p["ta"], p["tb"])(a, b)


def _linear_args(args, p):
    return (args[0], args[1], args[2] if p["bias"] else None)


def _linear_ref(args, p):
    x, k, b = _linear_args(args, p)
    z = np.matmul(x, k) + (b if b is not None else 0)
    return test_linear.ACTS[p["act"]](z)


def _linear_kink(args, p):
    if p["act"] != "relu":
        return _INF
    x, k, b = _linear_args(args, p)
    return _min_abs(np.matmul(x, k) + (b if b is not None else 0))


def _softmax_tg(name):
    fn = getattr(tf.nn, name)

    def tg(args, p):
        if p["axis"] == -1 and p["form"]:  # the default axis
            return fn(args[0])
        return fn(args[0], axis=p["axis"])
    return tg


def _index_key(p):
    return tuple(b if keep_int else slice(b, b + s) for b, s, keep_int in
                 zip(p["begin"], p["size"], p["ints"]))


def _slice_tg(args, p):
    if p["form"] == "index":
        return args[0][_index_key(p)]
    return tf.slice(args[0], p["begin"], [-1 if m else s for s, m in zip(p["size"], p["minus1"])])


def _slice_ref(args, p):
    if p["form"] == "index":
        return np.asarray(args[0])[_index_key(p)]
    return test_shape_ops._slice(np.asarray(args[0]), p["begin"],
                                 [-1 if m else s for s, m in zip(p["size"], p["minus1"])])


def _clip_kink(args, p):
    x = np.asarray(args[0], dtype=np.float64)
    return min(_min_abs(x - p["lo"]), _min_abs(x - p["hi"]))


# where(cond, x, y): cond is one comparison of program values (or of a value and a Python
# scalar, or of a value with itself), or two combined by a logical op, or one negated. Params:
#   x, y: None (the next arg) or a Python scalar in its place (at most one of them);
#   cmps: [(comparison, rhs, swap, form)], rhs "value" (the next arg), "self" (the same arg
#         again: an exact tie in every dtype) or a Python scalar; swap puts it on the left;
#   logic: None or a logical_* op over the comparisons; lform: its spelling (tf., tf.math.,
#          operator).
COMPARISONS = ["greater", "greater_equal", "less", "less_equal", "equal", "not_equal"]
_CMP_OPERATOR = {"greater": operator.gt, "greater_equal": operator.ge, "less": operator.lt,
                 "less_equal": operator.le, "equal": operator.eq, "not_equal": operator.ne}
_LOGIC_OPERATOR = {"logical_and": operator.and_, "logical_or": operator.or_,
                   "logical_xor": operator.xor}


def _where_parts(args, p):
    """x, y and [(comparison, (lhs, rhs), form, is_self)] from the step's args and params."""
    args = list(args)
    x = args.pop(0) if p["x"] is None else p["x"]
    y = args.pop(0) if p["y"] is None else p["y"]
    cmps = []
    for name, rhs, swap, form in p["cmps"]:
        a = args.pop(0)
        b = a if rhs == "self" else args.pop(0) if rhs == "value" else rhs
        cmps.append((name, (b, a) if swap else (a, b), form, rhs == "self"))
    assert not args
    return x, y, cmps


def _where_tg(args, p):
    x, y, cmps = _where_parts(args, p)
    conds = [_CMP_OPERATOR[name](a, b) if form == 2 else
             getattr(tf.math if form == 1 else tf, name)(a, b) for name, (a, b), form, _ in cmps]
    logic = p["logic"]
    if logic is None:
        cond = conds[0]
    elif p["lform"] == 2:
        cond = ~conds[0] if logic == "logical_not" else _LOGIC_OPERATOR[logic](*conds)
    else:  # there is no tf.logical_xor (as TF)
        cond = getattr(tf if p["lform"] == 0 and hasattr(tf, logic) else tf.math, logic)(*conds)
    return tf.where(cond, x, y)


def _where_ref(args, p):
    x, y, cmps = _where_parts(args, p)
    conds = [getattr(np, name)(a, b) for name, (a, b), _, _ in cmps]
    cond = conds[0] if p["logic"] is None else getattr(np, p["logic"])(*conds)
    return test_where_gather._where(cond)(x, y)


def _where_margin(args, p):
    """Distance of the compared values from a flip of any comparison (a value compared with
    itself never flips). Both the kink (gradients) and the jump (forward) of where."""
    _, _, cmps = _where_parts(args, p)
    return min([_INF] + [_min_abs(np.subtract(a, b)) for _, (a, b), _, is_self in cmps
                         if not is_self])


# gather / unsorted_segment_sum: the indices / ids are params (nested lists of ints), made an
# int32/int64 tensor at each call, or passed as a Python list (TF makes that int32).
def _int_operand(p, key):
    if p["form"] == "list":
        return p[key]
    return tf.constant(np.asarray(p[key], dtype=p["dtype"]))


def _gather_tg(args, p):
    if p["axis"] is None:
        return tf.gather(args[0], _int_operand(p, "indices"))
    return tf.gather(args[0], _int_operand(p, "indices"), axis=p["axis"])


def _uss_tg(args, p):
    return tf.math.unsorted_segment_sum(args[0], _int_operand(p, "ids"), p["num_segments"])


OPS = {}
for _n in UNARY:
    OPS[_n] = Op(_unary_tg(_n), (lambda r: lambda args, p: r(args[0]))(UNARY[_n][1]),
                 (lambda args, p: _min_abs(args[0])) if UNARY[_n][2] == "away_from_zero" else None,
                 jump=(lambda args, p: _min_abs(args[0])) if _n == "sign" else None)
for _n in BINARY:
    OPS[_n] = Op(_binary_tg(_n), _binary_ref(_n), _binary_kink(_n),
                 jump=_binary_kink(_n) if _n == "floormod" else None)
for _n in REDUCE:
    OPS[_n] = Op(_reduce_tg(_n), _reduce_ref(_n),
                 (lambda args, p: _max_gap(args[0], p["axis"])) if _n == "reduce_max" else
                 (lambda args, p: _max_gap(-np.asarray(args[0]), p["axis"])) if _n == "reduce_min" else None)
OPS.update({
    "matmul": Op(_matmul_tg, _matmul_ref),
    "linear": Op(lambda args, p: tf.nn.linear(*_linear_args(args, p), p["act"]), _linear_ref,
                 _linear_kink),
    "softmax": Op(_softmax_tg("softmax"), lambda args, p: test_softmax._softmax(args[0], p["axis"])),
    "log_softmax": Op(_softmax_tg("log_softmax"),
                      lambda args, p: test_softmax._log_softmax(args[0], p["axis"])),
    "reshape": Op(lambda args, p: tf.reshape(args[0], p["shape"]),
                  lambda args, p: np.reshape(args[0], p["shape"])),
    "transpose": Op(lambda args, p: tf.transpose(args[0], p["perm"]),
                    lambda args, p: np.transpose(args[0], p["perm"])),
    "expand_dims": Op(lambda args, p: tf.expand_dims(args[0], p["axis"]),
                      lambda args, p: np.expand_dims(args[0], p["axis"])),
    "squeeze": Op(lambda args, p: tf.squeeze(args[0], p["axis"]),
                  lambda args, p: np.squeeze(args[0], p["axis"] and tuple(p["axis"]))),
    "broadcast_to": Op(lambda args, p: tf.broadcast_to(args[0], p["shape"]),
                       lambda args, p: np.broadcast_to(args[0], p["shape"])),
    "slice": Op(_slice_tg, _slice_ref),
    "pad": Op(lambda args, p: tf.pad(args[0], p["paddings"]),
              lambda args, p: np.pad(args[0], p["paddings"])),
    "concat": Op(lambda args, p: tf.concat(list(args), p["axis"]),
                 lambda args, p: np.concatenate(args, p["axis"])),
    "stack": Op(lambda args, p: tf.stack(list(args), p["axis"]),
                lambda args, p: np.stack(args, p["axis"])),
    "clip_by_value": Op(lambda args, p: tf.clip_by_value(args[0], p["lo"], p["hi"]),
                        lambda args, p: np.clip(args[0], p["lo"], p["hi"]), _clip_kink),
    # to float64 and back: a real cast pair in float32 programs, an identity in float64 ones
    "cast_roundtrip": Op(lambda args, p: tf.cast(tf.cast(args[0], tf.float64), args[0].dtype),
                         lambda args, p: np.asarray(args[0])),
    "where": Op(_where_tg, _where_ref, _where_margin, jump=_where_margin),
    "gather": Op(_gather_tg,
                 lambda args, p: test_where_gather._gather(p["indices"], p["axis"] or 0)(args[0])),
    "unsorted_segment_sum": Op(
        _uss_tg, lambda args, p: test_where_gather._uss(p["ids"], p["num_segments"])(args[0])),
})
INDEX_OPS = ("where", "gather", "unsorted_segment_sum")  # programs using them are counted


# -- programs -----------------------------------------------------------------------------------
class Program:
    """Leaves (float64 arrays) and steps; value i is leaf or step output, in creation order.
    Built incrementally with its float64 numpy values, so every step sees real shapes."""

    MAX_ABS = 1e5  # steps whose values leave [-MAX_ABS, MAX_ABS] (or aren't finite) are dropped

    def __init__(self):
        self.values = []   # ("leaf", index) or ("op", name, arg ids, params)
        self.leaves = []
        self.ref = []      # float64 numpy value of every value id

    def shape(self, i):
        return self.ref[i].shape

    def add_leaf(self, arr):
        self.leaves.append(np.asarray(arr, dtype=np.float64))
        self.values.append(("leaf", len(self.leaves) - 1))
        self.ref.append(self.leaves[-1])
        return len(self.values) - 1

    def try_add(self, name, args, params):
        with np.errstate(all="ignore"):
            v = np.asarray(OPS[name].ref([self.ref[i] for i in args], params), dtype=np.float64)
        if not np.all(np.isfinite(v)) or (v.size and np.abs(v).max() > self.MAX_ABS):
            return None
        self.values.append(("op", name, tuple(args), params))
        self.ref.append(v)
        return len(self.values) - 1

    def steps(self):
        return [i for i, v in enumerate(self.values) if v[0] == "op"]

    def run(self, leaves, backend, dtype=None):
        """All values, computing with numpy (backend 'np', in ``dtype``) or tapegrad ('tf',
        ``leaves`` already tensors)."""
        out = []
        for v in self.values:
            if v[0] == "leaf":
                x = leaves[v[1]]
                out.append(x.astype(dtype) if backend == "np" else x)
                continue
            _, name, args, p = v
            xs = [out[i] for i in args]
            if backend == "np":
                with np.errstate(all="ignore"):
                    out.append(np.asarray(OPS[name].ref(xs, p), dtype=dtype))
            else:
                out.append(OPS[name].tg(xs, p))
        return out

    def kink_margin(self, values=None):
        vals = self.ref if values is None else values
        m = _INF
        for v in self.values:
            if v[0] == "op" and OPS[v[1]].kink is not None:
                m = min(m, OPS[v[1]].kink([vals[i] for i in v[2]], v[3]))
        return m

    def jump_margin(self):
        m = _INF
        for v in self.values:
            if v[0] == "op" and OPS[v[1]].jump is not None:
                m = min(m, OPS[v[1]].jump([self.ref[i] for i in v[2]], v[3]))
        return m

    def __repr__(self):
        lines = []
        for i, v in enumerate(self.values):
            if v[0] == "leaf":
                lines.append(f"v{i} = leaf{v[1]}  # shape {self.shape(i)}")
            else:
                lines.append(f"v{i} = {v[1]}({', '.join(f'v{a}' for a in v[2])}, {v[3]})"
                             f"  # shape {self.shape(i)}")
        return "\n".join(lines)


# -- strategies -----------------------------------------------------------------------------------
SCALARS = [-2.0, -1.0, -0.5, 0.25, 0.5, 1.5, 3.0]
TIE_GAP = 1e-2  # where() compares values at least this far apart (times the program's scale)


# Step kinds, repeated for weight (elementwise ops are most of real programs).
KINDS = ["unary", "unary", "binary", "binary", "binary", "reduce", "matmul", "linear", "softmax",
         "reshape", "transpose", "expand_squeeze", "broadcast_to", "slice", "pad", "concat_stack",
         "clip", "cast", "where", "gather", "segment_sum"]


class Builder:
    def __init__(self, data, grad, max_dim=4):
        self.d, self.grad, self.max_dim = data, grad, max_dim
        self.prog = Program()
        self.seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
        self.rng = np.random.default_rng(self.seed)

    # Hypothesis draws the step kinds and a seed per step (so it can shrink a program by
    # dropping steps without changing the others); the details come from a generator seeded
    # with those (a hypothesis draw per detail made examples ~10x slower).
    def integer(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def flip(self):
        return bool(self.rng.integers(2))

    def choice(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def subset(self, seq, lo, hi):
        k = self.integer(lo, hi)
        return [seq[int(j)] for j in self.rng.permutation(len(seq))[:k]]

    def leaf(self, shape):
        scale = self.choice([1.0, 1.0, 1.0, 0.1, 3.0])
        return self.prog.add_leaf(scale * self.rng.standard_normal(shape))

    def pick(self):
        n = len(self.prog.values)
        # Prefer recent values: deeper programs.
        return n - 1 if self.flip() else self.integer(0, n - 1)

    def op(self, name, args, params):
        return self.prog.try_add(name, args, params)

    # Guards that put a value in an op's domain (recorded as steps of the program).
    def positive(self, i):
        s = self.op("square", [i], {"form": 0})
        return None if s is None else self.op("add", [s], {"scalar": 0.5, "side": "right", "form": 0})

    def build(self):
        rank = self.integer(0, 3)
        base = tuple(self.integer(1, self.max_dim) for _ in range(rank))
        for _ in range(self.integer(1, 3)):
            k = self.integer(0, rank)
            sub = tuple(d if self.flip() else 1 for d in base[rank - k:])
            self.leaf(sub)
        steps = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 2**16)), min_size=2,
                         max_size=6 if self.grad else 10)
        for kind, step_seed in self.d.draw(steps, label="steps"):
            self.rng = np.random.default_rng([self.seed, step_seed])
            getattr(self, kind)()
        return self.prog

    # -- one method per kind of step ------------------------------------------------------------
    def unary(self):
        name = self.choice(sorted(UNARY))
        i = self.pick()
        if UNARY[name][2] == "positive":
            i = self.positive(i)
            if i is None:
                return
        elif UNARY[name][2] == "uniform":  # tan: inside (-1, 1), far from its poles
            i = self.op("tanh", [i], {"form": 0})
            if i is None:
                return
        self.op(name, [i], {"form": self.integer(0, 2)})

    def binary(self):
        name = self.choice(sorted(BINARY))
        i = self.pick()
        form = self.integer(0, 2)
        if self.integer(0, 3) == 0:  # a Python scalar operand, left or right
            side = self.choice(["left", "right"])
            s = self.choice(SCALARS)
            if name == "pow":
                if side == "left":
                    s = abs(s) + 0.25
                elif s not in (-1.0, 3.0):
                    i = self.positive(i)
            if name in ("divide", "floormod") and side == "left":
                i = self.positive(i)
            if name == "floormod" and side == "right" and abs(s) < 0.25:
                s = 1.5
            if i is not None:
                self.op(name, [i], {"scalar": s, "side": side, "form": form})
            return
        si = self.shape(i)
        others = [j for j in range(len(self.prog.values)) if _broadcastable(si, self.shape(j))]
        j = self.choice(others)
        if name in ("divide", "floormod"):
            j = self.positive(j)
            if j is not None and self.flip():
                j = self.op("negative", [j], {"form": 2})
        elif name == "pow":
            i = self.positive(i)
            t = self.op("tanh", [j], {"form": 0})
            j = None if t is None else self.op("multiply", [t], {"scalar": 1.5, "side": "right",
                                                                 "form": 0})
        if i is not None and j is not None:
            self.op(name, [i, j], {"form": form})

    def shape(self, i):
        return self.prog.shape(i)

    def axis_spec(self, rank, allow_none=True, allow_list=True):
        choices = [None] if allow_none else []
        if rank:
            choices += ["int"] + (["list"] if allow_list else [])
        kind = self.choice(choices)
        if kind == "int":
            return self.integer(-rank, rank - 1)
        if kind == "list":
            axes = self.subset(list(range(rank)), 1, rank)
            return [a - rank if self.flip() else a for a in axes]
        return None

    def reduce(self):
        name = self.choice(sorted(REDUCE))
        i = self.pick()
        axis = self.axis_spec(len(self.shape(i)))
        self.op(name, [i], {"axis": axis, "keepdims": self.flip(),
                            "form": self.integer(0, 1)})

    def matmul(self):
        i = self.pick()
        s = self.shape(i)
        if len(s) < 2:
            i = self.op("reshape", [i], {"shape": (1, -1) if self.flip() else (-1, 1)})
            if i is None:
                return
            s = self.shape(i)
        ta, tb = self.flip(), self.flip()
        side = self.choice(["left", "right"])  # where value i goes
        form = self.choice(["fn", "adjoint"] + ([] if ta or tb else ["operator"]))
        n = self.integer(1, self.max_dim)
        batch = s[:-2] if self.flip() else ()
        if side == "right":  # i @ leaf
            k = s[-2] if ta else s[-1]
            other = batch + ((n, k) if tb else (k, n))
        else:  # leaf @ i: i plays b
            k = s[-1] if tb else s[-2]
            other = batch + ((k, n) if ta else (n, k))
        j = self.leaf(other)
        self.op("matmul", [i, j], {"ta": ta, "tb": tb, "side": side, "form": form})

    def linear(self):
        i = self.pick()
        s = self.shape(i)
        if len(s) == 0:
            return
        units = self.integer(1, self.max_dim)
        k = self.leaf((s[-1], units))
        b = self.leaf((units,))
        act = self.choice([None, "relu", "sigmoid", "tanh"])
        self.op("linear", [i, k, b], {"act": act, "bias": self.flip()})

    def softmax(self):
        i = self.pick()
        r = len(self.shape(i))
        if r == 0:
            return
        name = self.choice(["softmax", "log_softmax"])
        self.op(name, [i], {"axis": self.integer(-r, r - 1),
                            "form": self.flip()})

    def reshape(self):
        i = self.pick()
        n = int(np.prod(self.shape(i)))
        dims, rest = [], n
        for _ in range(self.integer(0, 3)):
            divs = [d for d in range(1, rest + 1) if rest % d == 0]
            d = self.choice(divs)
            dims.append(d)
            rest //= d
        if rest != 1 or self.flip():
            dims.append(rest)
        if dims and self.flip():
            dims[self.integer(0, len(dims) - 1)] = -1
        self.op("reshape", [i], {"shape": tuple(dims) if self.flip() else list(dims)})

    def transpose(self):
        i = self.pick()
        r = len(self.shape(i))
        perm = None if self.flip() else [int(v) for v in self.rng.permutation(r)]
        self.op("transpose", [i], {"perm": perm})

    def expand_squeeze(self):
        i = self.pick()
        s = self.shape(i)
        if self.flip() or 1 not in s:
            self.op("expand_dims", [i], {"axis": self.integer(-len(s) - 1, len(s))})
        else:
            ones = [d for d, n in enumerate(s) if n == 1]
            axis = None if self.flip() else \
                self.subset(ones, 1, len(ones))
            self.op("squeeze", [i], {"axis": axis})

    def broadcast_to(self):
        i = self.pick()
        s = self.shape(i)
        if len(s) >= 4:
            return
        lead = (self.integer(1, 3),) if self.flip() else ()
        target = lead + tuple(self.integer(1, 3) if d == 1 else d for d in s)
        self.op("broadcast_to", [i], {"shape": target})

    def slice(self):
        i = self.pick()
        s = self.shape(i)
        begin = [self.integer(0, n - 1) for n in s]
        size = [self.integer(1, n - b) for n, b in zip(s, begin)]
        form = self.choice(["fn", "index"])
        self.op("slice", [i], {
            "begin": begin, "size": size, "form": form,
            "minus1": [self.flip() and b + z == n for b, z, n in zip(begin, size, s)],
            "ints": [form == "index" and z == 1 and self.flip() for z in size]})

    def pad(self):
        i = self.pick()
        if not self.shape(i):
            return
        pads = [[self.integer(0, 2), self.integer(0, 2)]
                for _ in self.shape(i)]
        self.op("pad", [i], {"paddings": pads})

    def concat_stack(self):
        i = self.pick()
        s = self.shape(i)
        if self.flip() and s:
            axis = self.integer(-len(s), len(s) - 1)
            a = axis % len(s)
            same = [j for j in range(len(self.prog.values)) if len(self.shape(j)) == len(s) and
                    all(x == y for d, (x, y) in enumerate(zip(self.shape(j), s)) if d != a)]
            js = [self.choice(same) for _ in range(self.integer(1, 2))]
            self.op("concat", [i] + js, {"axis": axis})
        else:
            same = [j for j in range(len(self.prog.values)) if self.shape(j) == s]
            js = [self.choice(same) for _ in range(self.integer(0, 2))]
            self.op("stack", [i] + js, {"axis": self.integer(-len(s) - 1, len(s))})

    def clip(self):
        i = self.pick()
        lo = self.choice([-1.5, -0.5, 0.0, 0.3])
        self.op("clip_by_value", [i], {"lo": lo, "hi": lo + self.choice([0.5, 1.0, 2.5])})

    def cast(self):
        self.op("cast_roundtrip", [self.pick()], {})

    def scale(self):
        return max([1.0] + [float(np.abs(v).max()) for v in self.prog.ref if v.size])

    def broadcastable_with(self, shapes):
        """Values whose shape broadcasts with all of ``shapes``."""
        return [j for j in range(len(self.prog.values))
                if _broadcastable(*shapes, self.shape(j))]

    def where(self):
        x = self.pick()
        y = self.choice(self.broadcastable_with([self.shape(x)]))
        args, shapes = [x, y], [self.shape(x), self.shape(y)]
        p = {"x": None, "y": None, "cmps": [], "lform": self.integer(0, 2),
             "logic": self.choice([None, None, None, "logical_not", "logical_and", "logical_or",
                                   "logical_xor"])}
        if self.integer(0, 3) == 0:  # a Python scalar branch: where(c, x, 0.5), where(c, 0., y)
            side = self.choice(["x", "y"])
            p[side] = self.choice(SCALARS + [0.0])
            args.pop(0 if side == "x" else 1)
            shapes.pop(0 if side == "x" else 1)
        for _ in range(2 if p["logic"] in _LOGIC_OPERATOR else 1):
            name = self.choice(COMPARISONS[:4] * 2 + COMPARISONS[4:])  # ==, != mostly for self
            how = self.integer(0, 7)
            pair = how == 0 and p["x"] is None and p["y"] is None  # x > y ? x : y (maximum-like)
            a = x if pair else self.choice(self.broadcastable_with(shapes))
            rhs = [y] if pair else SCALARS + [0.0] if how in (2, 3) else \
                self.broadcastable_with(shapes + [self.shape(a)])
            # Compared values within rounding of each other (mostly copies: reshape, slice,
            # gather, reduce_min, ...) put the program at where's kink and jump, which the tests
            # skip; like the tables' away_from_zero inputs, draw away from it (and compare a
            # value with itself, an exact tie in every dtype, on purpose: how == 1).
            gap = TIE_GAP * self.scale()
            rhs = [b for b in rhs if _min_abs(np.subtract(
                self.prog.ref[a], self.prog.ref[b] if isinstance(b, int) else b)) >= gap]
            rhs = "self" if how == 1 or not rhs else self.choice(rhs)  # value id or scalar
            args += [a] + ([rhs] if isinstance(rhs, int) else [])
            shapes += [self.shape(a)] + ([self.shape(rhs)] if isinstance(rhs, int) else [])
            p["cmps"].append((name, "value" if isinstance(rhs, int) else rhs, self.flip(),
                              self.integer(0, 2)))
        p["cmps"] = tuple(p["cmps"])
        self.op("where", args, p)

    def gather(self):
        i = self.pick()
        s = self.shape(i)
        if not s:
            return
        r = len(s)
        axis = self.integer(-r, r - 1)
        k = self.integer(0, max(0, min(2, 5 - r)))  # indices rank: the result has rank r - 1 + k
        idx = self.rng.integers(0, s[axis], tuple(self.integer(1, 3) for _ in range(k)))
        form = self.choice(["tensor", "tensor", "list"])
        self.op("gather", [i], {
            "indices": idx.tolist(), "form": form,
            "dtype": "int32" if form == "list" else self.choice(["int32", "int64"]),
            "axis": None if axis == 0 and self.flip() else axis})

    def segment_sum(self):
        i = self.pick()
        s = self.shape(i)
        # ids.shape is s[:k], a prefix; () (everything to one segment) now and then
        k = 0 if not s or self.integer(0, 3) == 0 else self.integer(1, len(s))
        n = self.integer(1, self.max_dim)
        ids = self.rng.integers(-1, n, s[:k])  # -1: the row is dropped
        form = self.choice(["tensor", "tensor", "list"])
        self.op("unsorted_segment_sum", [i], {
            "ids": ids.tolist(), "num_segments": n, "form": form,
            "dtype": "int32" if form == "list" else self.choice(["int32", "int64"])})


def _broadcastable(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


# -- forward ------------------------------------------------------------------------------------
FWD_TOL = {np.float32: dict(rtol=2e-5, atol=2e-6, amp=8.0),
           np.float64: dict(rtol=1e-12, atol=1e-13, amp=8.0)}
EPS = {np.float32: float(np.finfo(np.float32).eps), np.float64: float(np.finfo(np.float64).eps)}


def _compare_forward(prog, dtype, record, est32):
    """tapegrad in ``dtype`` vs float64 numpy on the same (``dtype``-rounded) inputs, every
    value. The tolerance grows with the program's conditioning, estimated by how far numpy in
    float32 (on the inputs, and on inputs nudged by an ulp) lands from float64."""
    leaves = [a.astype(dtype) for a in prog.leaves]
    ref = prog.run([a.astype(np.float64) for a in leaves], "np", np.float64)
    tensors = [tf.constant(a) for a in leaves]
    if record:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(tensors)
            got = prog.run(tensors, "tf")
    else:
        got = prog.run(tensors, "tf")
    if est32 is None:  # float32: compute the estimate from these inputs
        rng = np.random.default_rng(0)
        nudged = [(a * (1 + EPS[np.float32] * rng.choice([-1.0, 1.0], a.shape))).astype(np.float32)
                  for a in leaves]
        runs = [prog.run(leaves, "np", np.float32), prog.run(nudged, "np", np.float32)]
        est = [np.maximum(np.abs(r1.astype(np.float64) - w), np.abs(r2.astype(np.float64) - w))
               for r1, r2, w in zip(runs[0], runs[1], ref)]
        scale_est = 1.0
    else:
        est, scale_est = est32, EPS[np.float64] / EPS[np.float32]
    tol = FWD_TOL[dtype]
    scale = max([1.0] + [float(np.abs(v).max()) for v in ref if v.size])
    n = 0
    for i in prog.steps():
        g = got[i]
        what = f"v{i} ({prog.values[i][1]}, {np.dtype(dtype).name}{', recorded' if record else ''})"
        assert g.dtype == tf.as_dtype(dtype), f"{what}: dtype {g.dtype}"
        assert tuple(g.shape) == ref[i].shape, f"{what}: shape {tuple(g.shape)} != {ref[i].shape}"
        g = g.numpy().astype(np.float64)
        bound = tol["rtol"] * np.abs(ref[i]) + tol["atol"] * scale + \
            tol["amp"] * scale_est * np.broadcast_to(est[i], ref[i].shape)
        bad = ~(np.abs(g - ref[i]) <= bound)
        if bad.any():
            k = np.flatnonzero(bad.reshape(-1))[0]
            raise AssertionError(
                f"{what} differs from numpy at flat index {k}: got {g.reshape(-1)[k]!r}, "
                f"numpy {ref[i].reshape(-1)[k]!r}, allowed {bound.reshape(-1)[k]:.3g}\n{prog!r}")
        n += ref[i].size
    return n, est


@_settings(ci_examples=1500)
@given(st.data())
def test_random_programs_forward_match_numpy(data):
    prog = Builder(data, grad=False).build()
    note(repr(prog))
    record = data.draw(st.booleans(), label="record")
    est32 = None
    jump_m = prog.jump_margin()
    scale = max(float(np.abs(v).max()) for v in prog.ref if v.size) if prog.ref else 1.0
    for dtype in (np.float32, np.float64):
        # sign() jumps at 0, where() where its condition flips: an input within rounding of the
        # jump (0; the other compared value) may fairly come out either way.
        if jump_m < (1e-3 if dtype == np.float32 else 1e-9) * max(1.0, scale):
            COUNTS["fwd_skipped"] += 1
            continue
        n, est = _compare_forward(prog, dtype, record, est32)
        if dtype == np.float32:
            est32 = est
        COUNTS["fwd_values"] += n
    COUNTS["fwd_programs"] += 1
    for name in {v[1] for v in prog.values if v[0] == "op"}.intersection(INDEX_OPS):
        COUNTS["fwd_with_" + name] += 1


# -- gradients ------------------------------------------------------------------------------------
KINK_MARGIN = 1e-3
FD_EPS = 1e-6


def _targets(data, prog):
    steps = prog.steps()
    if not steps:
        return []
    extra = data.draw(st.lists(st.sampled_from(steps), max_size=2, unique=True), label="targets")
    return sorted(set([steps[-1]] + extra))


def _loss_np(prog, targets, seeds, leaves):
    vals = prog.run(leaves, "np", np.float64)
    return float(sum(np.sum(vals[t] * w) for t, w in zip(targets, seeds)))


def _fd_gradients(prog, targets, seeds, leaves):
    grads = []
    for k, x in enumerate(leaves):
        g = np.zeros(x.shape)
        for j in range(x.size):
            plus, minus = [a.copy() for a in leaves], [a.copy() for a in leaves]
            plus[k].reshape(-1)[j] += FD_EPS
            minus[k].reshape(-1)[j] -= FD_EPS
            g.reshape(-1)[j] = (_loss_np(prog, targets, seeds, plus) -
                                _loss_np(prog, targets, seeds, minus)) / (2 * FD_EPS)
        grads.append(g)
    return grads


def _tape_gradients(prog, targets, seeds, leaves, how):
    ts = [tf.constant(a) for a in leaves]
    with tf.GradientTape(persistent=how == "persistent") as tape:
        tape.watch(ts)
        vals = prog.run(ts, "tf")
        if how == "loss":  # one scalar loss built with ops instead of output_gradients
            terms = [tf.reduce_sum(vals[t] * w) for t, w in zip(targets, seeds)]
            loss = terms[0]
            for term in terms[1:]:
                loss = loss + term
    if how == "loss":
        gs = tape.gradient(loss, ts, unconnected_gradients="zero")
    else:
        gs = tape.gradient([vals[t] for t in targets], ts, output_gradients=seeds,
                           unconnected_gradients="zero")
    return [g.numpy() for g in gs]


def _loss_scale(prog, targets, seeds):
    return float(sum(np.sum(np.abs(prog.ref[t] * w)) for t, w in zip(targets, seeds)))


@_settings(ci_examples=800)
@given(st.data())
def test_random_programs_gradients_match_finite_differences(data):
    prog = Builder(data, grad=True, max_dim=3).build()
    note(repr(prog))
    targets = _targets(data, prog)
    if not targets:
        return
    if prog.kink_margin() < KINK_MARGIN:  # FD across a kink is not the derivative
        COUNTS["grad_skipped"] += 1
        return
    rng = np.random.default_rng(len(prog.values))
    seeds = [rng.standard_normal(prog.ref[t].shape) for t in targets]
    how = data.draw(st.sampled_from(["seeds", "loss", "persistent"]), label="how")
    got = _tape_gradients(prog, targets, seeds, prog.leaves, how)
    want = _fd_gradients(prog, targets, seeds, prog.leaves)
    noise = 1e-9 * _loss_scale(prog, targets, seeds)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"leaf{k}: gradient shape {g.shape} != {w.shape}\n{prog!r}"
        bound = 1e-5 * np.abs(w) + 1e-6 * max(1.0, float(np.abs(w).max(initial=0))) + noise
        bad = ~(np.abs(g - w) <= bound)
        assert not bad.any(), (f"gradient of leaf{k} ({how}) differs from finite differences:\n"
                               f"tape {g}\nfd   {w}\n{prog!r}")
        COUNTS["grad_values"] += g.size
    COUNTS["grad_programs"] += 1


# -- second order -----------------------------------------------------------------------------------
@_settings(ci_examples=200)
@given(st.data())
def test_random_programs_second_order_match_finite_differences(data):
    """d/dx <v, d<w, f(x)>/dx> with nested tapes vs central differences of the tape's own
    first-order gradient (which the test above checks against numpy)."""
    prog = Builder(data, grad=True, max_dim=3).build()
    note(repr(prog))
    steps = prog.steps()
    if not steps:
        return
    if prog.kink_margin() < KINK_MARGIN:
        COUNTS["hess_skipped"] += 1
        return
    t = steps[-1]
    rng = np.random.default_rng(len(prog.values) + 1)
    w = rng.standard_normal(prog.ref[t].shape)
    vs = [rng.standard_normal(a.shape) for a in prog.leaves]

    def first(leaves):
        ts = [tf.constant(a) for a in leaves]
        with tf.GradientTape() as tape:
            tape.watch(ts)
            y = prog.run(ts, "tf")[t]
        return [g.numpy() for g in tape.gradient(y, ts, output_gradients=w,
                                                 unconnected_gradients="zero")]

    ts = [tf.constant(a) for a in prog.leaves]
    with tf.GradientTape() as outer:
        outer.watch(ts)
        with tf.GradientTape() as inner:
            inner.watch(ts)
            y = prog.run(ts, "tf")[t]
        gs = inner.gradient(y, ts, output_gradients=w, unconnected_gradients="zero")
    hv = outer.gradient(gs, ts, output_gradients=[tf.constant(v) for v in vs],
                        unconnected_gradients="zero")
    got = [h.numpy() for h in hv]

    def inner_product(leaves):
        return float(sum(np.sum(g * v) for g, v in zip(first(leaves), vs)))
    eps = 1e-5
    noise = 1e-9 * sum(float(np.sum(np.abs(g * v))) for g, v in zip(first(prog.leaves), vs)) / eps
    for k, x in enumerate(prog.leaves):
        want = np.zeros(x.shape)
        for j in range(x.size):
            plus, minus = [a.copy() for a in prog.leaves], [a.copy() for a in prog.leaves]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            want.reshape(-1)[j] = (inner_product(plus) - inner_product(minus)) / (2 * eps)
        bound = 1e-4 * np.abs(want) + 1e-5 * max(1.0, float(np.abs(want).max(initial=0))) + noise
        assert np.all(np.abs(got[k] - want) <= bound), (
            f"second-order gradient of leaf{k} differs:\ntape {got[k]}\nfd   {want}\n{prog!r}")
    COUNTS["hess_programs"] += 1


# -- the same programs from several threads at once ----------------------------------------------
@_settings(ci_examples=60)
@given(st.data())
def test_random_programs_in_threads_match_serial_bitwise(data):
    """Eight random programs (values and tape gradients) run by four threads at once give
    bitwise the results of running them one after another."""
    import threading
    progs = [Builder(data, grad=True).build() for _ in range(8)]

    def run(prog):
        ts = [tf.constant(a) for a in prog.leaves]
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(ts)
            vals = prog.run(ts, "tf")
        out = [v.numpy() for v in vals]
        for i in prog.steps():
            out += [g.numpy() for g in tape.gradient(vals[i], ts, unconnected_gradients="zero")]
        return out

    serial = [run(p) for p in progs]
    results, errors = [None] * len(progs), []

    def worker(k):
        try:
            for j in range(k, len(progs), 4):
                results[j] = run(progs[j])
        except BaseException as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads between (nearly) every two bytecodes
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        sys.setswitchinterval(interval)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors[0]
    for p, want, got in zip(progs, serial, results):
        assert len(want) == len(got)
        for w, g in zip(want, got):
            np.testing.assert_array_equal(g, w, err_msg=repr(p))
    COUNTS["thread_programs"] += len(progs)
