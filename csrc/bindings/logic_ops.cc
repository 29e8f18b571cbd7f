// Python functions for the integer/bool side (Note [Dtypes]): comparisons, logic, floordiv,
// argmax, one_hot, where, gather, unsorted_segment_sum.
#include "bindings/common.h"
#include "ops/ops.h"

namespace tapegrad::bind {
namespace {

// An index argument: tensors and numpy arrays keep their dtype; Python ints and lists of them
// are int32 (int64 past its range), as TF converts them; other Python values are converted to
// int32 (an empty list is an int32 one, a float an error naming the op).
Tensor index_tensor(py::handle h, const char* op) {
  if (is_tensor(h) || is_variable(h) || py::hasattr(h, "dtype")) return to_tensor(h, nullptr, op);
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return to_tensor(h, nullptr, op);
  if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) {
    Tensor t = to_tensor(h, nullptr, op);
    if (t.dtype() == DType::Int32 || t.dtype() == DType::Int64) return t;
  }
  const DType i32 = DType::Int32;
  return to_tensor(h, &i32, op);
}

// A pair of bitwise operands: as to_tensor_pair, but Python ints alone are int32 (TF's
// tf.bitwise.bitwise_xor([1, 2], [3, 3]) is int32).
void to_tensor_pair_int(py::handle x, py::handle y, const char* op, Tensor& a, Tensor& b) {
  if (is_tensor(x) || is_variable(x) || is_tensor(y) || is_variable(y)) {
    to_tensor_pair(x, y, op, a, b);
    return;
  }
  a = index_tensor(x, op);
  b = index_tensor(y, op);
}

ops::Axes axes_of(py::handle axis, const char* op) {
  if (axis.is_none()) return std::nullopt;
  return parse_int_list(axis, op, "axis");
}

}  // namespace

void bind_logic_ops(py::module_& m) {
#define TG_BIND_COMPARE(name, kind, sym)                                                   \
  m.def(#name, [](py::handle x, py::handle y, py::handle) {                               \
    Tensor a, b;                                                                          \
    to_tensor_pair(x, y, #name, a, b);                                                    \
    return wrap(ops::compare(ops::Compare::kind, a, b, #name));                           \
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none(),                            \
     "The bool tensor x " sym " y, elementwise with numpy broadcasting, as tf.math." #name \
     ". x and y have one dtype (a Python number takes the tensor's); no gradient.");
  TG_BIND_COMPARE(equal, Equal, "==")
  TG_BIND_COMPARE(not_equal, NotEqual, "!=")
  TG_BIND_COMPARE(less, Less, "<")
  TG_BIND_COMPARE(less_equal, LessEqual, "<=")
  TG_BIND_COMPARE(greater, Greater, ">")
  TG_BIND_COMPARE(greater_equal, GreaterEqual, ">=")
#undef TG_BIND_COMPARE
#define TG_BIND_LOGIC(name, kind, what)                                                    \
  m.def(#name, [](py::handle x, py::handle y, py::handle) {                               \
    Tensor a, b;                                                                          \
    to_tensor_pair(x, y, #name, a, b);                                                    \
    return wrap(ops::logical(ops::Logic::kind, a, b, #name));                             \
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none(),                            \
     "Elementwise " what " of two bool tensors (numpy broadcasting), as tf.math." #name ".");
  TG_BIND_LOGIC(logical_and, And, "AND")
  TG_BIND_LOGIC(logical_or, Or, "OR")
  TG_BIND_LOGIC(logical_xor, Xor, "exclusive OR")
#undef TG_BIND_LOGIC
#define TG_BIND_BITWISE(name, kind, what)                                                  \
  m.def(#name, [](py::handle x, py::handle y, py::handle) {                               \
    Tensor a, b;                                                                          \
    to_tensor_pair_int(x, y, #name, a, b);                                                \
    return wrap(ops::bitwise(ops::Bitwise::kind, a, b, #name));                           \
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none(),                            \
     what " of two int32/int64 tensors of one dtype (numpy broadcasting), as tf.bitwise." #name \
     "; Python ints are int32 here, as TF converts them. No gradient.");
  TG_BIND_BITWISE(bitwise_and, And, "Elementwise bitwise AND")
  TG_BIND_BITWISE(bitwise_or, Or, "Elementwise bitwise OR")
  TG_BIND_BITWISE(bitwise_xor, Xor, "Elementwise bitwise exclusive OR")
  TG_BIND_BITWISE(left_shift, LeftShift, "x << y (the shift clamped to [0, bits - 1], wrapping)")
  TG_BIND_BITWISE(right_shift, RightShift, "x >> y (arithmetic; the shift clamped to [0, bits - 1])")
#undef TG_BIND_BITWISE
  m.def("invert", [](py::handle x, py::handle) {
    return wrap(ops::bitwise_invert(index_tensor(x, "invert")));
  }, py::arg("x"), py::arg("name") = py::none(),
     "Elementwise bitwise NOT (~x) of an int32/int64 tensor, as tf.bitwise.invert. No gradient.");
  m.def("floordiv", [](py::handle x, py::handle y, py::handle) {
    Tensor a, b;
    to_tensor_pair(x, y, "floordiv", a, b);
    return wrap(ops::floordiv(a, b));
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none(),
     "x // y with numpy broadcasting, as tf.math.floordiv: floor(x / y) for floats, Python's "
     "flooring division for int32/int64 (an integer division by zero is an "
     "InvalidArgumentError). No gradient, as in TF.");
  m.def("logical_not", [](py::handle x, py::handle) {
    return wrap(ops::logical_not(to_tensor(x, nullptr, "logical_not")));
  }, py::arg("x"), py::arg("name") = py::none(), "Elementwise NOT of a bool tensor, as tf.math.logical_not.");
  m.def("reduce_any", [](py::handle x, py::handle axis, bool keepdims, py::handle) {
    if (py::object r = foreign_reduce("any", x, axis, keepdims)) return r;
    return wrap(ops::reduce_logical(false, to_tensor(x, nullptr, "reduce_any"), axes_of(axis, "reduce_any"), keepdims));
  }, py::arg("input_tensor"), py::arg("axis") = py::none(), py::arg("keepdims") = false,
     py::arg("name") = py::none(), "Logical OR of a bool tensor over axis (None: all), as tf.reduce_any; a tapegrad.RaggedTensor "
     "reduces over any axis (TF's ragged dispatch).");
  m.def("reduce_all", [](py::handle x, py::handle axis, bool keepdims, py::handle) {
    if (py::object r = foreign_reduce("all", x, axis, keepdims)) return r;
    return wrap(ops::reduce_logical(true, to_tensor(x, nullptr, "reduce_all"), axes_of(axis, "reduce_all"), keepdims));
  }, py::arg("input_tensor"), py::arg("axis") = py::none(), py::arg("keepdims") = false,
     py::arg("name") = py::none(), "Logical AND of a bool tensor over axis (None: all), as tf.reduce_all; a tapegrad.RaggedTensor "
     "reduces over any axis (TF's ragged dispatch).");
#define TG_BIND_ARG(name, is_min, what)                                                    \
  m.def(#name, [](py::handle x, py::handle axis, py::handle output_type, py::handle) {    \
    i64 a = axis.is_none() ? 0 : parse_int(axis, #name, "axis");                          \
    return wrap(ops::arg_extreme(is_min, to_tensor(x, nullptr, #name), a,                 \
                                 parse_dtype(output_type, #name)));                       \
  }, py::arg("input"), py::arg("axis") = py::none(), py::arg("output_type") = "int64",    \
     py::arg("name") = py::none(),                                                        \
     "Index of the " what " element along axis (default 0), the first on ties, as tf.math." \
     #name "; output_type int64 (default) or int32. No gradient.");
  TG_BIND_ARG(argmax, false, "largest")
  TG_BIND_ARG(argmin, true, "smallest")
#undef TG_BIND_ARG
  m.def("_argsort", [](py::handle x, py::handle axis, bool descending, py::handle k, const std::string& op,
                       bool flat) {
    return wrap(ops::argsort(to_tensor(x, nullptr, op.c_str()), parse_int(axis, op.c_str(), "axis"),
                             descending, k.is_none() ? -1 : parse_int(k, op.c_str(), "k"), op.c_str(), flat));
  });
  m.def("one_hot", [](py::handle indices, py::handle depth, py::handle on, py::handle off,
                      py::handle axis, py::handle dtype, py::handle) {
    // The dtype: given, else on_value's or off_value's (as TF), else float32.
    DType d = DType::Float32;
    Tensor ton, toff;
    if (!dtype.is_none()) {
      d = parse_dtype(dtype, "one_hot");
    } else if (!on.is_none() || !off.is_none()) {
      Tensor t = to_tensor(on.is_none() ? off : on, nullptr, "one_hot");
      d = t.dtype();
    }
    ton = on.is_none() ? Tensor::scalar(d, 1.0) : to_tensor(on, &d, "one_hot");
    toff = off.is_none() ? Tensor::scalar(d, 0.0) : to_tensor(off, &d, "one_hot");
    if (ton.dtype() != d || toff.dtype() != d)
      throw TypeError("one_hot: on_value and off_value must have dtype " + std::string(dtype_name(d)) +
                      ", got " + dtype_name(ton.dtype()) + " and " + dtype_name(toff.dtype()));
    return wrap(ops::one_hot(index_tensor(indices, "one_hot"), parse_int(depth, "one_hot", "depth"),
                             ton, toff, axis.is_none() ? -1 : parse_int(axis, "one_hot", "axis")));
  }, py::arg("indices"), py::arg("depth"), py::arg("on_value") = py::none(),
     py::arg("off_value") = py::none(), py::arg("axis") = py::none(), py::arg("dtype") = py::none(),
     py::arg("name") = py::none(),
     "A one-hot tensor with a new axis of size depth (default: last) holding on_value (1) at "
     "each index and off_value (0) elsewhere, as tf.one_hot; its dtype is dtype, else "
     "on_value's or off_value's, else float32. An index outside [0, depth) gives a row of "
     "off_value.");
  m.def("where", [](py::handle cond, py::handle x, py::handle y, py::handle) {
    Tensor c = to_tensor(cond, nullptr, "where");
    if (x.is_none() != y.is_none())
      throw ValueError("where: x and y must both be given, or both be None");
    if (x.is_none())  // TF: the nonzero elements of a numeric condition
      return wrap(ops::where_true(c.dtype() == DType::Bool ? c : ops::cast(c, DType::Bool)));
    Tensor a, b;
    to_tensor_pair(x, y, "where", a, b);
    return wrap(ops::where(c, a, b));
  }, py::arg("condition"), py::arg("x") = py::none(), py::arg("y") = py::none(),
     py::arg("name") = py::none(),
     "x where condition is true, else y, with condition, x and y broadcast together, as TF 2's "
     "tf.where; differentiable in x and y. With x and y None: the int64 indices (n, rank) of "
     "the true (nonzero) elements.");
  m.def("gather", [](py::handle params, py::handle indices, py::handle axis, py::handle batch_dims,
                     py::handle, py::handle) {
    const i64 b = parse_int(batch_dims, "gather", "batch_dims");
    if (b != 0)  // composed in Python from this op (tapegrad/_array_ops.py)
      return py::module_::import("tapegrad._array_ops").attr("_gather_batch_dims")(params, indices, axis, b);
    i64 a = axis.is_none() ? 0 : parse_int(axis, "gather", "axis");
    return wrap(ops::gather(to_tensor(params, nullptr, "gather"), index_tensor(indices, "gather"), a));
  }, py::arg("params"), py::arg("indices"), py::arg("axis") = py::none(), py::arg("batch_dims") = py::int_(0),
     py::arg("validate_indices") = py::none(), py::arg("name") = py::none(),
     "Slices of params along axis at the int32/int64 indices, as tf.gather: the result has "
     "shape params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:]. With "
     "batch_dims b != 0 (negative counts from the rank of indices) the first b dimensions of "
     "params and indices are batch dimensions that must match, each batch element gathering "
     "with its own indices; axis defaults to b (else 0) and may not be less. An index outside "
     "[0, params.shape[axis]) is an InvalidArgumentError. Differentiable in params; the "
     "gradient is dense (TF gives IndexedSlices of the same values).");
  m.def("unsorted_segment_sum", [](py::handle data, py::handle ids, py::handle num, py::handle) {
    return wrap(ops::unsorted_segment_sum(to_tensor(data, nullptr, "unsorted_segment_sum"),
                                          index_tensor(ids, "unsorted_segment_sum"),
                                          parse_int(num, "unsorted_segment_sum", "num_segments")));
  }, py::arg("data"), py::arg("segment_ids"), py::arg("num_segments"), py::arg("name") = py::none(),
     "Sums of data's slices grouped by segment_ids (whose shape is a prefix of data's), as "
     "tf.math.unsorted_segment_sum; a negative id drops its slice. Differentiable in data.");
  m.def("_row_splits_sum", [](py::handle data, py::handle splits) {
    return wrap(ops::row_splits_sum(to_tensor(data, nullptr, "row_splits_sum"), index_tensor(splits, "row_splits_sum")));
  }, py::arg("data"), py::arg("row_splits"),
     "The sums of data's rows [row_splits[i], row_splits[i + 1]) along axis 0 (0 for an empty "
     "one): tf.reduce_sum(rt, axis=1) of a RaggedTensor of ragged rank 1, without segment ids. "
     "Differentiable in data.");
  m.def("_row_splits_reduce", [](py::handle data, py::handle splits, const std::string& kind, const std::string& op) {
    const kernels::Reduce k = kind == "sum" ? kernels::Reduce::Sum : kind == "prod" ? kernels::Reduce::Prod
                              : kind == "max" ? kernels::Reduce::Max : kind == "min" ? kernels::Reduce::Min
                              : throw InvalidArgument("_row_splits_reduce: kind must be sum, prod, max or min, got " + kind);
    return wrap(ops::row_splits_reduce(k, to_tensor(data, nullptr, op.c_str()), index_tensor(splits, op.c_str()),
                                        op.c_str()));
  }, py::arg("data"), py::arg("row_splits"), py::arg("kind"), py::arg("op"),
     "The values (not recorded) of the sum / prod / max / min of data's rows [row_splits[i], "
     "row_splits[i + 1]); an empty row holds 0 / 1 / the dtype's lowest / highest value, as TF.");
  m.def("_sorted_segment_count", [](py::handle ids, const std::string& op) {
    return ops::sorted_segment_count(index_tensor(ids, op.c_str()), op.c_str());
  }, py::arg("segment_ids"), py::arg("op"),
     "max(segment_ids) + 1 for the sorted ids of tf.math.segment_*: InvalidArgumentError "
     "(naming op) unless they are a non-negative, non-decreasing vector.");
  m.def("_sorted_segment_sum", [](py::handle data, py::handle ids, const std::string& op) {
    return wrap(ops::sorted_segment_sum(to_tensor(data, nullptr, op.c_str()), index_tensor(ids, op.c_str()),
                                        op.c_str()));
  }, py::arg("data"), py::arg("segment_ids"), py::arg("op"),
     "tf.math.segment_sum's sums (max(segment_ids) + 1 rows), the ids checked as "
     "_sorted_segment_count does, in the same pass. Differentiable in data.");
  m.def("_segment_reduce", [](py::handle data, py::handle ids, i64 num_segments, const std::string& kind,
                              bool empty_zero, const std::string& op) {
    const ops::SegmentReduce k = kind == "max" ? ops::SegmentReduce::Max
                               : kind == "min" ? ops::SegmentReduce::Min
                               : kind == "prod" ? ops::SegmentReduce::Prod
                               : throw InvalidArgument("_segment_reduce: kind must be max, min or prod, got " + kind);
    return wrap(ops::segment_reduce(to_tensor(data, nullptr, op.c_str()), index_tensor(ids, op.c_str()),
                                    num_segments, k, empty_zero, op.c_str()));
  }, py::arg("data"), py::arg("segment_ids"), py::arg("num_segments"), py::arg("kind"),
     py::arg("empty_zero"), py::arg("op"),
     "The values (not recorded) of the segment max / min / prod of data's rows (one per id, "
     "negatives dropped) into num_segments rows; an empty segment holds the identity, or 0 "
     "with empty_zero.");
}

}  // namespace tapegrad::bind
