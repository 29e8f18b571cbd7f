// Python functions for every op: the generic UNARY/BINARY rows of ops.def, then the rest.
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>

#include "bindings/common.h"
#include "ops/patches.h"
#include "ops/custom_gradient.h"
#include "ops/ops.h"

namespace tapegrad::bind {
namespace {

// One axis: a Python int (or anything with __index__), else TypeError naming the op.
ops::Axes parse_axes(py::handle axis, const char* op) {
  if (axis.is_none()) return std::nullopt;
  return parse_int_list(axis, op, "axis");
}

kernels::Act parse_act(py::handle a) {
  if (a.is_none()) return kernels::Act::None;
  std::string s = py::str(a);
  if (s == "relu") return kernels::Act::Relu;
  if (s == "sigmoid") return kernels::Act::Sigmoid;
  if (s == "tanh") return kernels::Act::Tanh;
  if (s == "linear") return kernels::Act::None;
  throw ValueError("linear: unknown activation '" + s + "' (expected None, 'relu', 'sigmoid' or 'tanh')");
}

std::vector<Tensor> tensor_list(py::handle values, const char* op) {
  if (!py::isinstance<py::sequence>(values) || py::isinstance<py::str>(values) ||
      is_tensor(values))
    throw TypeError(std::string(op) + ": expected a list of tensors, got " +
                    std::string(py::str(py::type::handle_of(values).attr("__name__"))));
  // The values take the first tensor's dtype; with no tensor among them, Python numbers mixing
  // ints and floats are float32, as TF packs [1, 2.5] into one float32 constant.
  const auto items = sequence_items(values, op);
  std::vector<Tensor> out;
  bool have = false, any_float = false, all_numbers = true;
  DType d{};
  for (const py::object& v : items) {
    if (is_tensor(v) || is_variable(v)) {
      d = held_dtype(v);
      have = true;
      break;
    }
    any_float |= PyFloat_CheckExact(v.ptr()) != 0;
    all_numbers &= PyFloat_CheckExact(v.ptr()) || (PyLong_Check(v.ptr()) && !PyBool_Check(v.ptr()));
  }
  if (!have && all_numbers && any_float) {
    d = DType::Float32;
    have = true;
  }
  for (const py::object& v : items) out.push_back(to_tensor(v, have ? &d : nullptr, op));
  return out;
}

// Python → C++ for a custom_gradient entry: calls grad_fn(list of output grads) → list.
class PyCustomVjp : public ops::CustomVjp {
 public:
  // inputs: what the gradients must match, one per input (shape and dtype).
  PyCustomVjp(py::object fn, const std::vector<Tensor>& inputs) : fn_(std::move(fn)) {
    for (const Tensor& t : inputs) {
      in_shapes_.push_back(t.shape());
      in_dtypes_.push_back(t.dtype());
    }
  }
  ~PyCustomVjp() override {
    py::gil_scoped_acquire gil;
    fn_ = py::object();
  }
  void call(const TapeEntry& e, const Tensor* gout, Tensor* gin, const bool* needs) override {
    py::list gs;
    for (int j = 0; j < e.out.size(); ++j) {
      if (gout[j]) gs.append(wrap(gout[j]));
      else gs.append(wrap(Tensor::full(e.out_dtype, e.out_shapes[j], 0.0, "custom_gradient")));
    }
    py::object res = fn_(gs);
    std::vector<py::object> seq = sequence_items(res, "custom_gradient");
    if (static_cast<int>(seq.size()) != e.in.size())
      throw ValueError("custom_gradient: the gradient function returned " +
                       std::to_string(seq.size()) + " gradients but the function has " +
                       std::to_string(e.in.size()) + " inputs (including the variables it reads)");
    for (int i = 0; i < e.in.size(); ++i) {
      const py::object& g = seq[i];
      if (g.is_none() || !needs[i]) continue;
      DType d = in_dtypes_[i];
      Tensor t = to_tensor(g, &d, "custom_gradient");
      // A gradient must look like its input: a wrong one would be summed into (or broadcast
      // against) other gradients and silently give a result of the wrong shape.
      if (t.dtype() != d)
        throw TypeError("custom_gradient: the gradient function returned a " +
                        std::string(dtype_name(t.dtype())) + " gradient for input " +
                        std::to_string(i) + " of dtype " + dtype_name(d));
      if (t.shape() != in_shapes_[i])
        throw ValueError("custom_gradient: the gradient function returned a gradient of shape " +
                         t.shape().str() + " for input " + std::to_string(i) + " of shape " +
                         in_shapes_[i].str());
      gin[i] = t;
    }
  }
  int traverse(Visit visit, void* arg) const override { return fn_ ? visit(fn_.ptr(), arg) : 0; }

 private:
  py::object fn_;
  std::vector<Shape> in_shapes_;
  std::vector<DType> in_dtypes_;
};

}  // namespace

void bind_ops(py::module_& m) {
  // The generic rows of ops.def (Note: every row also appears in op_names()).
#define TG_BIND_UNARY(name)                                                       \
  m.def(#name, [](py::handle x, py::handle) {                                     \
    return wrap(ops::name(to_tensor(x, nullptr, #name)));                         \
  }, py::arg("x"), py::arg("name") = py::none(),                                  \
     "Elementwise " #name " of x, as TensorFlow's " #name ". Recorded on every "   \
     "GradientTape watching x; differentiable to any order.");
#define TG_BIND_BINARY(name)                                                      \
  m.def(#name, [](py::handle x, py::handle y, py::handle) {                       \
    Tensor a, b;                                                                  \
    to_tensor_pair(x, y, #name, a, b);                                            \
    return wrap(ops::name(a, b));                                                 \
  }, py::arg("x"), py::arg("y"), py::arg("name") = py::none(),                    \
     "Elementwise " #name "(x, y) with numpy broadcasting, as TensorFlow's " #name  \
     ". A Python number takes the other operand's dtype; float32 with float64 is a " \
     "TypeError. Recorded on GradientTapes; differentiable to any order.");
#define TG_BIND_OTHER(name)
#define TG_OP(name, kind) TG_BIND_##kind(name)
#include "ops/ops.def"
#undef TG_OP

  m.def("op_names", [] {
    py::list l;
#define TG_OP(name, kind) l.append(#name);
#include "ops/ops.def"
#undef TG_OP
    return l;
  }, "Every op of ops.def, in order.");

  m.def("leaky_relu", [](py::handle x, double alpha) {
    return wrap(ops::leaky_relu(to_tensor(x, nullptr, "leaky_relu"), alpha));
  }, py::arg("features"), py::arg("alpha") = 0.2,
     "features where positive, alpha * features elsewhere (one pass), as tf.nn.leaky_relu; "
     "recorded, differentiable to any order (python/tapegrad/nn.py wraps it).");
  m.def("mask_ge", [](py::handle g, py::handle a, py::handle b) {
    Tensor tg = to_tensor(g, nullptr, "mask_ge");
    DType d = tg.dtype();
    return wrap(ops::mask_ge(tg, to_tensor(a, &d, "mask_ge"), to_tensor(b, &d, "mask_ge")));
  }, "g where a >= b, else 0 (broadcasting): the gradient mask of maximum/minimum.");
  m.def("mask_gt", [](py::handle g, py::handle a, py::handle b) {
    Tensor tg = to_tensor(g, nullptr, "mask_gt");
    DType d = tg.dtype();
    return wrap(ops::mask_gt(tg, to_tensor(a, &d, "mask_gt"), to_tensor(b, &d, "mask_gt")));
  }, "g where a > b, else 0 (broadcasting): the gradient mask of maximum/minimum.");
  m.def("matmul", [](py::handle a, py::handle b, bool ta, bool tb, bool adj_a, bool adj_b, py::handle) {
    Tensor x, y;
    to_tensor_pair(a, b, "matmul", x, y);
    return wrap(ops::matmul(x, y, ta || adj_a, tb || adj_b));
  }, py::arg("a"), py::arg("b"), py::arg("transpose_a") = false, py::arg("transpose_b") = false,
     py::arg("adjoint_a") = false, py::arg("adjoint_b") = false, py::arg("name") = py::none(),
     "a @ b, as tf.linalg.matmul: 2-D, or batched over leading dimensions (broadcast). "
     "transpose_a/transpose_b (adjoint_* are the same for real dtypes) fold into the GEMM.");
  m.def("linear", [](py::handle x, py::handle kernel, py::handle bias, py::handle activation) {
    Tensor tx, tk;
    to_tensor_pair(x, kernel, "linear", tx, tk);
    Tensor tb;
    if (!bias.is_none()) {
      DType d = tx.dtype();
      tb = to_tensor(bias, &d, "linear");
    }
    return wrap(ops::linear(tx, tk, tb, parse_act(activation)));
  }, py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("activation") = py::none(),
     "activation(x @ kernel + bias) as one op (one GEMM with a fused epilogue); activation is "
     "None, 'relu', 'sigmoid', 'tanh' or 'linear'.");
#define TG_BIND_REDUCE(name, kind, what)                                                  \
  m.def(#name, [](py::handle x, py::handle axis, bool keepdims, py::handle) {             \
    if (py::object r = foreign_reduce(kind, x, axis, keepdims)) return r;                  \
    return wrap(ops::name(to_tensor(x, nullptr, #name), parse_axes(axis, #name), keepdims)); \
  }, py::arg("input_tensor"), py::arg("axis") = py::none(), py::arg("keepdims") = false,  \
     py::arg("name") = py::none(),                                                         \
     what " over axis (None: all; an int or a list; negative counts from the end), as tf."  \
     #name "; keepdims keeps the reduced dimensions with size 1. A tapegrad.RaggedTensor "  \
     "reduces over any axis, its ragged ones too (TF's ragged dispatch; see tapegrad.ragged).");
  TG_BIND_REDUCE(reduce_sum, "sum", "Sum")
  TG_BIND_REDUCE(reduce_mean, "mean", "Mean")
  TG_BIND_REDUCE(reduce_max, "max", "Maximum")
  TG_BIND_REDUCE(reduce_min, "min", "Minimum")
  TG_BIND_REDUCE(reduce_prod, "prod",
                 "Product (1 if empty; integers wrap on overflow, as TF; the gradient is TF's, the "
                 "product of the other elements, finite where x is 0)")
#undef TG_BIND_REDUCE
  m.def("_set_foreign_reduce", [](py::handle fn) { set_foreign_reduce(fn); }, py::arg("fn"),
        "Registers fn(kind, x, axis, keepdims), called by the reductions for a RaggedTensor "
        "(Note [Foreign reductions]); tapegrad.ragged calls it at import.");
  m.def("broadcast_to", [](py::handle x, py::handle shape, py::handle) {
    return wrap(ops::broadcast_to(to_tensor(x, nullptr, "broadcast_to"), parse_shape(shape, "broadcast_to")));
  }, py::arg("input"), py::arg("shape"), py::arg("name") = py::none(),
     "input broadcast to shape by numpy's rules, as tf.broadcast_to.");
  m.def("sum_to", [](py::handle x, py::handle shape) {
    return wrap(ops::sum_to(to_tensor(x, nullptr, "sum_to"), parse_shape(shape, "sum_to")));
  }, py::arg("x"), py::arg("shape"),
     "x summed down to shape, the reverse of broadcast_to (the gradient of a broadcast input).");
  m.def("reshape", [](py::handle x, py::handle shape, py::handle) {
    return wrap(ops::reshape(to_tensor(x, nullptr, "reshape"), parse_int_list(shape, "reshape", "shape")));
  }, py::arg("tensor"), py::arg("shape"), py::arg("name") = py::none(),
     "The same elements in a new shape (one -1 is inferred), as tf.reshape.");
  m.def("transpose", [](py::handle x, py::handle perm, bool, py::handle) {
    std::vector<i64> p = perm.is_none() ? std::vector<i64>{} : parse_int_list(perm, "transpose", "perm");
    Tensor t = to_tensor(x, nullptr, "transpose");
    if (!perm.is_none() && p.empty() && t.ndim() != 0)
      throw InvalidArgument("transpose: perm has 0 entries but the tensor has rank " + std::to_string(t.ndim()));
    return wrap(ops::transpose(t, p));
  }, py::arg("a"), py::arg("perm") = py::none(), py::arg("conjugate") = false, py::arg("name") = py::none(),
     "Dimensions permuted by perm (default: reversed), as tf.transpose; conjugate is a no-op "
     "for real dtypes.");
  m.def("concat", [](py::handle values, i64 axis, py::handle) {
    return wrap(ops::concat(tensor_list(values, "concat"), axis));
  }, py::arg("values"), py::arg("axis"), py::arg("name") = py::none(),
     "Tensors joined along an existing axis, as tf.concat.");
  m.def("stack", [](py::handle values, i64 axis, py::handle) {
    return wrap(ops::stack(tensor_list(values, "stack"), axis));
  }, py::arg("values"), py::arg("axis") = 0, py::arg("name") = py::none(),
     "Same-shaped tensors joined along a new axis, as tf.stack.");
  m.def("slice", [](py::handle x, py::handle begin, py::handle size, py::handle) {
    return wrap(ops::slice(to_tensor(x, nullptr, "slice"), parse_int_list(begin, "slice", "begin"),
                           parse_int_list(size, "slice", "size")));
  }, py::arg("input_"), py::arg("begin"), py::arg("size"), py::arg("name") = py::none(),
     "input_[begin : begin + size] in every dimension (size -1: to the end), as tf.slice.");
  m.def("_pad", [](py::handle x, py::handle before, py::handle after) {
    return wrap(ops::pad(to_tensor(x, nullptr, "pad"), parse_int_list(before, "pad", "paddings"),
                         parse_int_list(after, "pad", "paddings")));
  });
  // Note [Patches]: the window geometry [h, w, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow] comes
  // from nn.py, which applies TF's padding rules.
  m.def("_im2col", [](py::handle x, py::handle geom, double pad_value) {
    return wrap(ops::im2col(to_tensor(x, nullptr, "im2col"),
                            ops::PatchGeom::from_list(parse_int_list(geom, "im2col", "geometry"), "im2col"),
                            pad_value));
  }, py::arg("x"), py::arg("geometry"), py::arg("pad_value") = 0.0);
  m.def("_col2im", [](py::handle p, py::handle geom, i64 channels) {
    return wrap(ops::col2im(to_tensor(p, nullptr, "col2im"),
                            ops::PatchGeom::from_list(parse_int_list(geom, "col2im", "geometry"), "col2im"),
                            channels));
  }, py::arg("p"), py::arg("geometry"), py::arg("channels"));
  m.def("expand_dims", [](py::handle x, py::handle axis, py::handle) {
    // An int, a 0-d int tensor, or a one-element list (which TF accepts too).
    i64 a;
    if (PyList_Check(axis.ptr()) || PyTuple_Check(axis.ptr())) {
      std::vector<i64> v = parse_int_list(axis, "expand_dims", "axis");
      if (v.size() != 1)
        throw InvalidArgument("expand_dims: axis must be a single integer, got " +
                              std::to_string(v.size()) + " values");
      a = v[0];
    } else {
      a = parse_int(axis, "expand_dims", "axis");
    }
    return wrap(ops::expand_dims(to_tensor(x, nullptr, "expand_dims"), a));
  }, py::arg("input"), py::arg("axis"), py::arg("name") = py::none(),
     "input with a new dimension of size 1 at axis (an int or a one-element list), as "
     "tf.expand_dims.");
  m.def("squeeze", [](py::handle x, py::handle axis, py::handle) {
    std::vector<i64> ax = axis.is_none() ? std::vector<i64>{} : parse_int_list(axis, "squeeze", "axis");
    return wrap(ops::squeeze(to_tensor(x, nullptr, "squeeze"), ax));
  }, py::arg("input"), py::arg("axis") = py::none(), py::arg("name") = py::none(),
     "input without its size-1 dimensions (all, or those in axis), as tf.squeeze.");
  m.def("softmax", [](py::handle x, py::handle axis, py::handle) {
    i64 a = axis.is_none() ? -1 : parse_int(axis, "softmax", "axis");
    return wrap(ops::softmax(to_tensor(x, nullptr, "softmax"), a));
  }, py::arg("logits"), py::arg("axis") = py::none(), py::arg("name") = py::none(),
     "exp(logits) / sum(exp(logits)) along axis (default: the last), computed stably, as "
     "tf.nn.softmax.");
  m.def("log_softmax", [](py::handle x, py::handle axis, py::handle) {
    i64 a = axis.is_none() ? -1 : parse_int(axis, "log_softmax", "axis");
    return wrap(ops::log_softmax(to_tensor(x, nullptr, "log_softmax"), a));
  }, py::arg("logits"), py::arg("axis") = py::none(), py::arg("name") = py::none(),
     "logits - log(sum(exp(logits))) along axis (default: the last), computed stably, as "
     "tf.nn.log_softmax.");
  m.def("cumsum", [](py::handle x, py::handle axis, bool exclusive, bool reverse, py::handle) {
    return wrap(ops::cumsum(to_tensor(x, nullptr, "cumsum"), parse_int(axis, "cumsum", "axis"),
                            exclusive, reverse));
  }, py::arg("x"), py::arg("axis") = 0, py::arg("exclusive") = false, py::arg("reverse") = false,
     py::arg("name") = py::none(),
     "The running sum of x along axis, as tf.math.cumsum: exclusive leaves each element out of "
     "its own sum (the first is 0), reverse sums from the end. Float, int32 and int64 tensors "
     "(integers wrap on overflow, as TF; no gradient).");
  m.def("cumprod", [](py::handle x, py::handle axis, bool exclusive, bool reverse, py::handle) {
    return wrap(ops::cumprod(to_tensor(x, nullptr, "cumprod"), parse_int(axis, "cumprod", "axis"),
                             exclusive, reverse));
  }, py::arg("x"), py::arg("axis") = 0, py::arg("exclusive") = false, py::arg("reverse") = false,
     py::arg("name") = py::none(),
     "The running product of x along axis, as tf.math.cumprod: exclusive leaves each element out "
     "of its own product (the first is 1), reverse multiplies from the end. Float, int32 and "
     "int64 tensors (integers wrap on overflow, as TF; no gradient). The gradient is TF's: "
     "inf or NaN where x is 0.");
  m.def("cast", [](py::handle x, py::handle dtype, py::handle) {
    return wrap(ops::cast(to_tensor(x, nullptr, "cast"), parse_dtype(dtype, "cast")));
  }, py::arg("x"), py::arg("dtype"), py::arg("name") = py::none(),
     "x converted to dtype (float32 or float64), as tf.cast; the gradient is cast back.");
  m.def("stop_gradient", [](py::handle x, py::handle) {
    return wrap(ops::stop_gradient(to_tensor(x, nullptr, "stop_gradient")));
  }, py::arg("input"), py::arg("name") = py::none(),
     "input's value with no gradient flowing through it, as tf.stop_gradient.");
  m.def("clip_by_value", [](py::handle x, py::handle lo, py::handle hi, py::handle) {
    Tensor t = to_tensor(x, nullptr, "clip_by_value");
    DType d = t.dtype();
    return wrap(ops::clip_by_value(t, to_tensor(lo, &d, "clip_by_value"), to_tensor(hi, &d, "clip_by_value")));
  }, py::arg("t"), py::arg("clip_value_min"), py::arg("clip_value_max"), py::arg("name") = py::none(),
     "t clipped elementwise to [clip_value_min, clip_value_max], as tf.clip_by_value.");
  m.def("clip_by_norm", [](py::handle x, py::handle clip_norm, py::handle axes, py::handle) {
    Tensor t = to_tensor(x, nullptr, "clip_by_norm");
    DType d = t.dtype();
    std::vector<i64> ax = axes.is_none() ? std::vector<i64>{} : parse_int_list(axes, "clip_by_norm", "axes");
    return wrap(ops::clip_by_norm(t, to_tensor(clip_norm, &d, "clip_by_norm"), ax));
  }, py::arg("t"), py::arg("clip_norm"), py::arg("axes") = py::none(), py::arg("name") = py::none(),
     "t scaled so that its L2 norm over axes (default: all) is at most clip_norm, as "
     "tf.clip_by_norm.");

  // Creation.
  // `op` names the caller in conversion errors (default "constant").
  m.def("_constant", [](py::handle value, py::handle dtype, py::handle op) {
    std::string name = op.is_none() ? std::string("constant") : std::string(py::str(op));
    DType d;
    DType* dp = nullptr;
    if (!dtype.is_none()) { d = parse_dtype(dtype, name.c_str()); dp = &d; }
    py::object converted = dp ? numpy_as_requested(value, d) : py::object();
    py::handle v = converted ? converted : value;
    Tensor t;
    {
      TapePause pause;  // a constant made from a Variable is a snapshot, not a read
      t = to_tensor(v, dp, name.c_str());
      if (dp && t.dtype() != d) t = ops::cast(t, d);
    }
    if (is_tensor(value) || is_variable(value)) t = t.alias(t.shape());
    return wrap(t);
  }, py::arg("value"), py::arg("dtype"), py::arg("op") = py::none());
  // keras fit's batches: a[rows] straight into a new float32 tensor, one memcpy per row,
  // instead of numpy's fancy-index gather into a temporary array and a copy of that.
  m.def("_take_rows", [](py::array a, py::array rows) {
    if (!a.dtype().is(py::dtype::of<float>()) || !(a.flags() & py::array::c_style) || a.ndim() < 1 ||
        a.ndim() > kMaxDims)
      throw TypeError("_take_rows: expected a C-contiguous float32 array of rank 1 to " +
                      std::to_string(kMaxDims));
    if (!rows.dtype().is(py::dtype::of<std::int64_t>()) || rows.ndim() != 1 ||
        !(rows.flags() & py::array::c_style))
      throw TypeError("_take_rows: expected a 1-D C-contiguous int64 array of row indices");
    const i64 n = a.shape(0), m = rows.shape(0);
    Shape shape;
    shape.push_back(m);
    for (py::ssize_t i = 1; i < a.ndim(); ++i) shape.push_back(a.shape(i));
    Tensor t = Tensor::empty(DType::Float32, shape, "_take_rows");
    std::size_t row = sizeof(float);  // bytes per row (not strides(0): numpy leaves the
    for (py::ssize_t i = 1; i < a.ndim(); ++i)  // stride of a length-1 axis arbitrary)
      row *= static_cast<std::size_t>(a.shape(i));
    const auto* idx = static_cast<const std::int64_t*>(rows.data());
    const char* src = static_cast<const char*>(a.data());
    char* dst = static_cast<char*>(t.raw());
    // Rows come in random order (fit's shuffled batches): fetch the rows a few indices ahead
    // so their cache misses overlap instead of being paid one row at a time.
    constexpr i64 kAhead = 8;
    const std::size_t ahead_bytes = std::min<std::size_t>(row, 512);
    for (i64 i = 0; i < m; ++i) {
      if (i + kAhead < m) {
        const std::int64_t q = idx[i + kAhead];
        if (q >= 0 && q < n)
          for (std::size_t b = 0; b < ahead_bytes; b += 64)
            __builtin_prefetch(src + static_cast<std::size_t>(q) * row + b);
      }
      const std::int64_t r = idx[i];
      if (r < 0 || r >= n)
        throw InvalidArgument("_take_rows: row index " + std::to_string(r) +
                              " is out of range for " + std::to_string(n) + " rows");
      if (row) std::memcpy(dst + static_cast<std::size_t>(i) * row, src + static_cast<std::size_t>(r) * row, row);
    }
    return wrap(t);
  }, "a[rows] as a new float32 tensor (a: C-contiguous float32, rows: 1-D int64).");
  m.def("_row_views", [](py::handle x, i64 size) {
    if (!is_tensor(x)) throw TypeError("_row_views: expected a tensor");
    Tensor t(tensor_ptr(x));
    if (t.ndim() < 1) throw InvalidArgument("_row_views: expected a tensor of rank >= 1, got a scalar");
    if (size < 1) throw InvalidArgument("_row_views: size must be >= 1, got " + std::to_string(size));
    const i64 n = t.shape()[0];
    py::list out;
    for (i64 b = 0; b < n; b += size) out.append(wrap(t.rows(b, std::min(n, b + size))));
    return out;
  }, "Consecutive blocks of `size` rows of x (the last one shorter) as tensors sharing x's "
     "buffer: fit's batches of one gathered epoch, without a copy each.");
  m.def("_parse_shape", [](py::handle shape, const std::string& op) {
    const Shape s = parse_shape(shape, op.c_str());
    py::tuple out(s.ndim);
    for (int i = 0; i < s.ndim; ++i) out[i] = py::int_(s[i]);
    return out;
  }, "A shape argument (int, sequence of ints or scalar int tensors, 1-D int tensor) as a "
     "tuple of ints, with the errors the ops give: the Python-side ops parse shapes with it.");
  m.def("_fill", [](py::handle shape, double value, py::handle dtype) {
    return wrap(Tensor::full(parse_dtype(dtype, "fill"), parse_shape(shape, "fill"), value, "fill"));
  });
  m.def("_empty_writable", [](py::handle shape, py::handle dtype) {
    py::object t = wrap(Tensor::empty(parse_dtype(dtype, "empty"), parse_shape(shape, "empty"), "empty"));
    py::array view = numpy_view(Tensor(tensor_ptr(t)), t, true);
    return py::make_tuple(t, view);
  }, "(tensor, view): a new uninitialised tensor and a writable numpy view of its buffer. "
     "For producers that fill a fresh tensor in place (tapegrad.distributed hands the view "
     "to MPI as a receive buffer); write only before the tensor is used by any op.");

  // custom_gradient plumbing (tapegrad/_custom_gradient.py drives it).
  m.def("_record_custom_gradient", [](py::list inputs, py::list outputs, py::object fn) {
    std::vector<Tensor> in, out;
    for (py::handle h : inputs) in.push_back(to_tensor(h, nullptr, "custom_gradient"));
    for (py::handle h : outputs) {
      if (!is_tensor(h)) throw TypeError("custom_gradient: outputs must be tensors");
      out.push_back(Tensor(tensor_ptr(h)));
    }
    ops::record_custom_gradient(in, out, std::make_shared<PyCustomVjp>(std::move(fn), in));
  });
  m.def("_fresh_alias", [](py::handle x) {
    Tensor t = to_tensor(x, nullptr, "custom_gradient");
    return wrap(t.alias(t.shape()));
  }, "A new tensor sharing x's buffer but none of its tape history.");
}

}  // namespace tapegrad::bind
