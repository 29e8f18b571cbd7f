// Python ↔ Tensor conversion: scalars, nested lists, numpy arrays (copied once, any strides).
#include <cmath>
#include <cstring>

#include "bindings/common.h"
#include "ops/ops.h"

namespace tapegrad::bind {

FastTypes& fast_types() {
  static FastTypes f;
  return f;
}

void init_fast_types() {
  FastTypes& f = fast_types();
  f.tensor_ti = py::detail::get_type_info(typeid(TensorImpl));
  f.variable_ti = py::detail::get_type_info(typeid(VariableImpl));
  f.tensor = f.tensor_ti->type;
  f.variable = f.variable_ti->type;
}

PyRegistry& registry() {
  static PyRegistry* r = new PyRegistry();  // leaked: must outlive interpreter teardown
  return *r;
}

py::object shape_tuple(const Shape& s) {
  py::tuple t(s.ndim);
  for (int i = 0; i < s.ndim; ++i) t[i] = py::int_(s.d[i]);
  if (!registry().shape_cls) return std::move(t);
  // tuple.__new__(TensorShape, t): the ints are known good, so TensorShape.__new__'s checks
  // (and its Python frame, ~200 ns of every x.shape) are skipped.
  py::tuple args = py::make_tuple(t);
  PyObject* r = PyTuple_Type.tp_new(reinterpret_cast<PyTypeObject*>(registry().shape_cls.ptr()), args.ptr(), nullptr);
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

py::dtype numpy_dtype(DType d) {
  return dispatch_all(d, [](auto z) { return py::dtype::of<decltype(z)>(); });
}

py::array numpy_view(const Tensor& t, py::handle owner, bool writable) {
  std::vector<py::ssize_t> shape(t.shape().d, t.shape().d + t.ndim());
  py::dtype dt = numpy_dtype(t.dtype());
  py::array a(dt, shape, {}, t.raw(), owner);
  if (!writable)
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

namespace {

[[noreturn]] void unsupported(py::handle h, const char* op) {
  std::string tn = py::str(py::type::handle_of(h).attr("__name__"));
  std::string r = py::repr(h);
  if (r.size() > 80) r = r.substr(0, 77) + "...";
  throw ValueError(std::string(op) + ": attempt to convert a value (" + r +
                   ") with an unsupported type (<class '" + tn + "'>) to a Tensor.");
}

// The dtype TF gives a Python list of ints (numpy made it an integer array `a`): int32, or
// int64 when a value is outside int32's range (beyond int64 numpy already refused or made it
// an object array).
// `checked` is set when the values are known to fit the returned dtype (no range check needed).
DType python_ints_dtype(const py::array& a, bool& checked) {
  checked = false;
  if (a.size() == 0 || a.dtype().itemsize() <= 4) return DType::Int32;
  if (a.dtype().kind() == 'u') return DType::Int64;  // past int64's max: the range check refuses it
  if ((a.flags() & py::array::c_style) && a.dtype().itemsize() == 8) {
    // np.asarray of a list: a fresh contiguous int64 array, scanned here rather than by two
    // numpy reductions and the range check's two more (tf.constant([1, 2, 3]) 22.7 -> 5.4 µs).
    const std::int64_t* p = static_cast<const std::int64_t*>(a.data());
    bool fits = true;
    for (py::ssize_t i = 0; i < a.size() && fits; ++i) fits = p[i] >= INT32_MIN && p[i] <= INT32_MAX;
    checked = true;
    return fits ? DType::Int32 : DType::Int64;
  }
  py::object lo = a.attr("min")(), hi = a.attr("max")();
  const bool fits = lo.cast<long long>() >= INT32_MIN && hi.cast<long long>() <= INT32_MAX;
  return fits ? DType::Int32 : DType::Int64;
}

// Whether the nested lists / tuples `h` hold a Python int outside int64's range (`huge`) and
// a value that is not an int (`other`: a float makes TF's list float32, the int included).
void scan_ints(py::handle h, int depth, bool& huge, bool& other) {
  PyObject* p = h.ptr();
  if (PyLong_Check(p) && !PyBool_Check(p)) {
    int overflow = 0;
    PyLong_AsLongLongAndOverflow(p, &overflow);
    huge |= overflow != 0;
  } else if (depth <= kMaxDims && (PyList_Check(p) || PyTuple_Check(p))) {
    for (py::handle item : py::reinterpret_borrow<py::sequence>(h)) scan_ints(item, depth + 1, huge, other);
  } else {
    other = true;
  }
}

// Whether the nested lists / tuples `h` start with a numpy float64 array or scalar (TF keeps
// their dtype; numpy's float64 for a list of Python floats is TF's float32). Only the first
// item of each level is looked at: a few checks, not a pass over a long list.
bool first_item_is_float64(py::handle h) {
  py::object first = py::reinterpret_borrow<py::object>(h);
  for (int depth = 0; PyList_Check(first.ptr()) || PyTuple_Check(first.ptr()); ++depth) {
    if (depth > kMaxDims || py::len(first) == 0) return false;
    first = py::reinterpret_borrow<py::sequence>(first)[0];
  }
  if (PyFloat_CheckExact(first.ptr()) || !py::hasattr(first, "dtype")) return false;
  py::object dt = first.attr("dtype");
  if (!py::isinstance<py::dtype>(dt)) return false;
  py::dtype d = py::reinterpret_borrow<py::dtype>(dt);
  return d.kind() == 'f' && d.itemsize() == 8;
}

Tensor from_array(py::handle h, const DType* dtype, const char* op, bool python_value) {
  py::array a;
  if (py::isinstance<py::array>(h)) {
    a = py::reinterpret_borrow<py::array>(h);  // no numpy.asarray call for what is one already
  } else {
    try {
      a = py::reinterpret_borrow<py::array>(py::module_::import("numpy").attr("asarray")(h));
    } catch (py::error_already_set& e) {
      if (e.matches(PyExc_ValueError))
        throw ValueError(std::string(op) + ": can't convert non-rectangular Python sequence to "
                         "Tensor (" + e.what() + ")");
      throw;
    }
  }
  const char kind = a.dtype().kind();
  const int isz = static_cast<int>(a.dtype().itemsize());
  // str(dtype) runs Python code in numpy: only the error messages need it.
  auto dname = [&] { return std::string(py::str(a.dtype())); };
  auto refuse = [&](DType to) {
    const std::string n = dname();
    throw TypeError(std::string(op) + ": cannot convert " + (n[0] == 'i' ? "an " : "a ") + n + " value to " +
                    a_dtype(to) + " tensor (convert it first, then tapegrad.cast)");
  };
  DType target;
  if (kind == 'f') {
    if (python_value && !dtype && isz == 8 && (a.flags() & py::array::c_style)) {
      // numpy makes [1, 2**63] float64; TF refuses a Python int beyond int64. Only a value that
      // large sends us looking through the list for one.
      const double* p = static_cast<const double*>(a.data());
      bool huge = false;
      for (py::ssize_t i = 0; i < a.size() && !huge; ++i) huge = std::fabs(p[i]) >= 9223372036854775808.0;
      bool other = false;
      if (huge) {
        huge = false;
        scan_ints(h, 0, huge, other);
      }
      if (huge && !other)
        throw ValueError(std::string(op) + ": can't convert a Python sequence with an "
                         "out-of-range integer to a tensor (beyond int64)");
    }
    if (dtype) target = *dtype;
    else if (isz == 8 && !python_value) target = DType::Float64;
    else if (isz == 8 && first_item_is_float64(h))
      target = DType::Float64;  // a list of float64 arrays or numpy scalars stays float64, as TF's
    else if (isz == 4 || python_value) target = DType::Float32;
    else
      throw TypeError(std::string(op) + ": tapegrad has no " + dname() +
                      " dtype (pass dtype=tapegrad.float32 to convert it)");
    // TF: a float never becomes an integer or bool silently. An empty Python list holds no
    // float (numpy just calls its dtype float64): tf.constant([], dtype=tf.int32) is allowed.
    if (!is_floating(target) && !(python_value && a.size() == 0)) refuse(target);
  } else if (kind == 'i' || kind == 'u') {
    // As TF: Python ints are int32, int64 where a value needs it (numpy makes the list
    // int64, checked below); numpy's integer arrays keep an integer dtype.
    bool checked = false;
    if (dtype) target = *dtype;
    else if (python_value) target = python_ints_dtype(a, checked);
    else if (kind == 'u' && isz == 1) target = DType::UInt8;
    else if (kind == 'i' ? isz <= 4 : isz <= 2) target = DType::Int32;
    else if (kind == 'i' || isz == 4) target = DType::Int64;
    else
      throw TypeError(std::string(op) + ": tapegrad has no uint64 dtype (pass dtype="
                      "tapegrad.int64 or tapegrad.float32 to convert it)");
    if (target == DType::Bool) refuse(target);
    if (target == DType::Int32 || target == DType::Int64) {
      // Values that do not fit are an error (TF), not numpy's silent wrap-around.
      py::module_ np = py::module_::import("numpy");
      if (!checked && a.size() > 0 && (isz > static_cast<int>(itemsize(target)) ||
                           (kind == 'u' && isz == static_cast<int>(itemsize(target))))) {
        py::object info = np.attr("iinfo")(numpy_dtype(target));
        py::object lo = a.attr("min")(), hi = a.attr("max")();
        if (lo < info.attr("min") || hi > info.attr("max"))
          throw ValueError(std::string(op) + ": a value of the " + dname() +
                           " array is out of range for " + dtype_name(target) + " (" +
                           std::string(py::str(lo)) + " to " + std::string(py::str(hi)) + ")");
      }
    }
  } else if (kind == 'b') {
    // TF: a bool becomes 0 or 1 of a numeric dtype that is asked for (`x * np_mask`), but
    // no number becomes a bool.
    target = dtype ? *dtype : DType::Bool;
  } else if (kind == 'O') {
    bool huge = false, other = false;  // numpy's object array of ints beyond 64 bits
    if (python_value) scan_ints(h, 0, huge, other);
    if (huge && !other)
      throw ValueError(std::string(op) + ": can't convert a Python sequence with an "
                       "out-of-range integer to a tensor (beyond int64)");
    unsupported(h, op);
  } else {
    throw TypeError(std::string(op) + ": tapegrad tensors are float32, float64, int32, int64, "
                    "uint8 or bool; cannot convert a value of dtype " + dname() + " (" +
                    std::string(py::str(py::type::handle_of(h).attr("__name__"))) + ")");
  }
  Shape shape;
  if (a.ndim() > kMaxDims)
    throw ValueError(std::string(op) + ": tapegrad supports tensors of rank at most " +
                     std::to_string(kMaxDims) + ", got rank " + std::to_string(a.ndim()));
  for (py::ssize_t i = 0; i < a.ndim(); ++i) shape.push_back(a.shape(i));
  Tensor t = Tensor::empty(target, shape, op);
  if (t.numel() > 0) {
    // A C-contiguous array of exactly the target's native dtype (numpy's own descriptor
    // object: byte order and itemsize as ours) is one memcpy. Everything else (strides,
    // casts, byte swaps) is numpy copying and casting straight into our aligned buffer.
    const py::dtype native = numpy_dtype(target);
    if (a.dtype().ptr() == native.ptr() && (a.flags() & py::array::c_style)) {
      std::memcpy(t.raw(), a.data(), static_cast<std::size_t>(t.numel()) * itemsize(target));
    } else {
      py::array view = numpy_view(t, py::none(), true);
      py::module_::import("numpy").attr("copyto")(view, a, py::arg("casting") = "unsafe");
    }
    if (target == DType::Bool) {
      // numpy reads any nonzero byte of a bool array as True (a uint8 array viewed as bool can
      // hold 2); C++ may only load 0 or 1 from a bool.
      auto* p = static_cast<unsigned char*>(t.raw());
      for (i64 i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
    }
  }
  return t;
}

}  // namespace

namespace {
PyObject* g_foreign_reduce = nullptr;  // a strong reference, kept to the end of the process
}  // namespace

void set_foreign_reduce(py::handle fn) {
  if (!PyCallable_Check(fn.ptr())) throw py::type_error("_set_foreign_reduce: expected a callable");
  Py_XDECREF(g_foreign_reduce);
  g_foreign_reduce = fn.inc_ref().ptr();
}

py::object foreign_reduce(const char* kind, py::handle x, py::handle axis, bool keepdims) {
  if (!g_foreign_reduce || is_tensor(x)) return py::object();
  static PyObject* flag = PyUnicode_InternFromString("_tapegrad_ragged");
  PyObject* v = _PyType_Lookup(Py_TYPE(x.ptr()), flag);  // borrowed; sets no error
  if (!v) return py::object();
  const int on = PyObject_IsTrue(v);
  if (on < 0) throw py::error_already_set();
  if (!on) return py::object();
  return py::reinterpret_borrow<py::object>(g_foreign_reduce)(kind, x, axis, keepdims);
}

// Note [Lists of tensors]
// A list or tuple holding tensors or Variables (at any depth), such as tf.reduce_sum([x, x]) or
// tf.constant([[w, 0.0], [0.0, w]]): TF packs it with its stack op, so gradients reach the
// tensors; numpy would only read their values (the gradient was silently None). It becomes a
// recorded ops::stack of its items, all of the first tensor's dtype (depth first) unless a
// dtype is asked for; Python numbers among them take it.
// Lists nested deeper than a tensor may have dimensions are not searched (numpy refuses them;
// the recursion stays bounded whatever the user passes).
static bool holds_tensor(PyObject* p, int depth = 0) {
  if (depth > kMaxDims) return false;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(p);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(p, i);
    if (is_tensor(item) || is_variable(item)) return true;
    if ((PyList_Check(item) || PyTuple_Check(item)) && holds_tensor(item, depth + 1)) return true;
  }
  return false;
}

static bool first_tensor_dtype(PyObject* p, DType& d, int depth = 0) {
  if (depth > kMaxDims) return false;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(p);
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(p, i);
    if (is_tensor(item) || is_variable(item)) {
      d = held_dtype(item);
      return true;
    }
    if ((PyList_Check(item) || PyTuple_Check(item)) && first_tensor_dtype(item, d, depth + 1)) return true;
  }
  return false;
}

static Tensor pack(py::handle h, const DType* hint, const char* op) {
  DType d{};
  if (hint) d = *hint;
  else first_tensor_dtype(h.ptr(), d);
  std::vector<Tensor> items;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(h.ptr());
  for (Py_ssize_t i = 0; i < n; ++i) {
    Tensor t = to_tensor(PySequence_Fast_GET_ITEM(h.ptr(), i), &d, op);
    if (t.dtype() != d)
      throw TypeError(std::string(op) + ": cannot pack " + a_dtype(t.dtype()) + " tensor into a list of " +
                      dtype_name(d) + " values (as TF; use tapegrad.cast)");
    items.push_back(std::move(t));
  }
  if (!items.empty()) {
    const Shape& s0 = items[0].shape();
    for (const Tensor& t : items)
      if (!(t.shape() == s0))
        throw ValueError(std::string(op) + ": can't convert non-rectangular Python sequence to "
                         "Tensor (a list holding tensors of shapes " + s0.str() + " and " +
                         t.shape().str() + ")");
  }
  return ops::stack(items, 0);
}

py::object numpy_as_requested(py::handle value, DType d) {
  if (is_floating(d) || is_tensor(value) || is_variable(value)) return py::object();
  py::module_ np = py::module_::import("numpy");
  if (!py::isinstance<py::array>(value) && !py::isinstance(value, np.attr("generic"))) return py::object();
  py::array a = np.attr("asarray")(value);
  const char k = a.dtype().kind();
  if (k == 'f' || (d == DType::Bool && (k == 'i' || k == 'u'))) return a.attr("astype")(numpy_dtype(d));
  return py::object();
}

Tensor to_tensor(py::handle h, const DType* hint, const char* op) {
  PyObject* p = h.ptr();
  if (is_tensor(h)) return Tensor(tensor_ptr(h));
  if (is_variable(h)) return variable_ptr(h)->read();
  const bool py_bool = PyBool_Check(p);
  if (PyFloat_CheckExact(p) || (PyLong_Check(p) && !py_bool)) {
    // A Python int without a hint is int32 as in TF, int64 beyond int32's range.
    DType d = hint ? *hint : PyFloat_CheckExact(p) ? DType::Float32 : DType::Int32;
    if (!hint && PyLong_Check(p)) {
      int overflow = 0;
      const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
      if (overflow || v < INT32_MIN || v > INT32_MAX) d = DType::Int64;
    }
    if (is_floating(d)) {
      double v = PyFloat_CheckExact(p) ? PyFloat_AS_DOUBLE(p) : PyLong_AsDouble(p);
      if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
      return Tensor::scalar(d, v);
    }
    // TF: only a Python int converts to an integer tensor, and only one in range.
    if (d == DType::Bool || !PyLong_Check(p))
      throw TypeError(std::string(op) + ": cannot convert " + std::string(py::repr(h)) +
                      " to " + a_dtype(d) + " tensor");
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow || (d == DType::Int32 && (v < INT32_MIN || v > INT32_MAX)))
      throw ValueError(std::string(op) + ": " + std::string(py::repr(h)) +
                       " is out of range for " + dtype_name(d));
    Tensor t = Tensor::empty(d, Shape(), op);
    if (d == DType::Int32) *t.data<std::int32_t>() = static_cast<std::int32_t>(v);
    else if (d == DType::UInt8) *t.data<std::uint8_t>() = static_cast<std::uint8_t>(v);  // mod 256, as TF's
    else *t.data<std::int64_t>() = v;
    return t;
  }
  if (py_bool) {
    if (hint && *hint != DType::Bool) return Tensor::scalar(*hint, p == Py_True ? 1.0 : 0.0);  // TF: x + True
    Tensor t = Tensor::empty(DType::Bool, Shape(), op);
    *t.data<bool>() = p == Py_True;
    return t;
  }
  if (p == Py_None) unsupported(h, op);
  if (PyUnicode_Check(p) || PyBytes_Check(p) || PyComplex_Check(p))
    throw TypeError(std::string(op) + ": tapegrad tensors are float32, float64, int32, int64, "
                    "uint8 or bool; cannot convert " + std::string(py::repr(h)) + " of type " +
                    std::string(py::str(py::type::handle_of(h).attr("__name__"))));
  if ((PyList_Check(p) || PyTuple_Check(p)) && holds_tensor(p)) return pack(h, hint, op);
  bool python_value = PyList_Check(p) || PyTuple_Check(p) || PyFloat_CheckExact(p);
  bool is_np = py::isinstance<py::array>(h) ||
               (!python_value && py::hasattr(h, "dtype"));  // numpy scalars, array-likes
  if (!is_np && !python_value && !PySequence_Check(p) && !py::hasattr(h, "__array__"))
    unsupported(h, op);
  return from_array(h, hint, op, python_value);
}

// How firmly an operand of a binary op sets the dtype: 2 a tensor or Variable, 1 a value with a
// dtype of its own (numpy arrays and scalars), 0 a Python number, list or tuple.
static int dtype_rank(py::handle h) {
  if (is_tensor(h) || is_variable(h)) return 2;
  PyObject* p = h.ptr();
  return PyFloat_CheckExact(p) || PyLong_Check(p) || PyList_Check(p) || PyTuple_Check(p) ? 0 : 1;
}

void to_tensor_pair(py::handle a, py::handle b, const char* op, Tensor& ta, Tensor& tb) {
  // The operand of the higher rank (the first on a tie) is converted first; the other takes its
  // dtype if that is a tensor's or if the other is a Python value (TF: 2.0 ** 3 and
  // tf.add(1.5, [1, 2]) are float32, np.ones(2, np.float32) + 2 too, 1 + 2.5 an error), else it
  // is converted on its own (mismatched dtypes are then the op's TypeError).
  const int ra = dtype_rank(a), rb = dtype_rank(b);
  const bool a_first = ra >= rb;
  py::handle first = a_first ? a : b, second = a_first ? b : a;
  Tensor& tf = a_first ? ta : tb;
  Tensor& ts = a_first ? tb : ta;
  tf = to_tensor(first, nullptr, op);
  const bool hint = (a_first ? ra : rb) == 2 || (a_first ? rb : ra) == 0;
  const DType d = tf.dtype();
  ts = to_tensor(second, hint ? &d : nullptr, op);
}

DType parse_dtype(py::handle d, const char* op) {
  const auto& reg = registry().dtypes;
  for (int i = 0; i < kNumDTypes; ++i)
    if (reg[i] && d.is(reg[i])) return static_cast<DType>(i);
  // Other tapegrad DType objects (copies), then the spellings users write most, all without
  // hasattr(), which raises and clears an AttributeError for every numpy dtype and string.
  if (reg[0] && Py_TYPE(d.ptr()) == Py_TYPE(reg[0].ptr()))
    return static_cast<DType>(d.attr("_tapegrad_code").cast<int>());
  if (PyUnicode_Check(d.ptr())) {
    const char* s = PyUnicode_AsUTF8(d.ptr());
    if (s)
      for (int i = 0; i < kNumDTypes; ++i)
        if (std::strcmp(s, dtype_name(static_cast<DType>(i))) == 0) return static_cast<DType>(i);
    if (!s) PyErr_Clear();  // not UTF-8 encodable: numpy below gives the error
  }
  // numpy reads None as float64; a missing dtype is the caller's to default, not ours.
  if (!d.is_none()) {
    try {
      py::dtype nd = py::isinstance<py::dtype>(d) ? py::reinterpret_borrow<py::dtype>(d)
                                                  : py::dtype::from_args(py::reinterpret_borrow<py::object>(d));
      // kind and size, so byte-swapped dtypes count too (conversion swaps the bytes)
      const char k = nd.kind();
      const auto n = nd.itemsize();
      if (k == 'f' && n == 4) return DType::Float32;
      if (k == 'f' && n == 8) return DType::Float64;
      if (k == 'i' && n == 4) return DType::Int32;
      if (k == 'i' && n == 8) return DType::Int64;
      if (k == 'u' && n == 1) return DType::UInt8;
      if (k == 'b') return DType::Bool;
    } catch (py::error_already_set&) {
    }
  }
  throw TypeError(std::string(op) + ": tapegrad supports the dtypes float32, float64, int32, "
                  "int64, uint8 and bool, got " + std::string(py::repr(d)));
}

i64 parse_int(py::handle v, const char* op, const char* what) {
  try {
    return v.cast<i64>();
  } catch (py::cast_error&) {  // would surface as RuntimeError("Unable to cast ...")
    throw TypeError(std::string(op) + ": " + what + " must be an int, got " +
                    std::string(py::repr(v)) + (PyLong_Check(v.ptr()) ? " (beyond 64 bits)" : ""));
  }
}

std::vector<i64> parse_int_list(py::handle v, const char* op, const char* what) {
  std::vector<i64> out;
  if (is_tensor(v)) {
    Tensor t(tensor_ptr(v));
    if (t.dtype() == DType::Bool)
      throw TypeError(std::string(op) + ": " + what + " must hold integers, got a bool tensor");
    if (is_integer(t.dtype())) {
      dispatch_int(t.dtype(), [&](auto z) {
        for (i64 i = 0; i < t.numel(); ++i) out.push_back(static_cast<i64>(t.data<decltype(z)>()[i]));
      });
      return out;
    }
    for (i64 i = 0; i < t.numel(); ++i) {
      double x = t.dtype() == DType::Float32 ? t.data<float>()[i] : t.data<double>()[i];
      // only whole numbers that fit: casting NaN, inf or 1e30 to an integer is undefined
      if (!(x >= -9.0e18 && x <= 9.0e18) || x != static_cast<double>(static_cast<i64>(x)))
        throw TypeError(std::string(op) + ": " + what + " must hold integers, got a tensor with " +
                        std::string(py::repr(py::float_(x))));
      out.push_back(static_cast<i64>(x));
    }
    return out;
  }
  // PyIndex_Check tests the type's nb_index slot (what `__index__` fills) without the
  // AttributeError a hasattr() on a tuple raises and clears: that was most of the cost of
  // parsing a shape.
  if (PyLong_Check(v.ptr()) || PyIndex_Check(v.ptr())) {
    if (!py::isinstance<py::sequence>(v)) {
      out.push_back(parse_int(v, op, what));
      return out;
    }
  }
  if (!py::isinstance<py::sequence>(v) || py::isinstance<py::str>(v))
    throw TypeError(std::string(op) + ": " + what + " must be an int or a sequence of ints, got " +
                    std::string(py::repr(v)));
  for (const py::object& x : sequence_items(v, op)) {
    if (PyFloat_Check(x.ptr()) || PyBool_Check(x.ptr()))
      throw TypeError(std::string(op) + ": " + what + " must contain ints, got " + std::string(py::repr(x)));
    try {
      out.push_back(x.cast<i64>());
    } catch (py::cast_error&) {
      throw TypeError(std::string(op) + ": " + what + " must contain ints, got " + std::string(py::repr(x)));
    }
  }
  return out;
}

std::vector<py::object> sequence_items(py::handle seq, const char* op) {
  auto fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq.ptr(), "not a sequence"));
  if (!fast) {
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) throw py::error_already_set();
    PyErr_Clear();
    throw TypeError(std::string(op) + ": expected a sequence, got " + std::string(py::repr(seq)));
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  std::vector<py::object> out;
  out.reserve(static_cast<std::size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) out.push_back(py::reinterpret_borrow<py::object>(items[i]));
  return out;
}

Shape parse_shape(py::handle v, const char* op) {
  std::vector<i64> dims = parse_int_list(v, op, "shape");
  Shape s;
  if (dims.size() > static_cast<std::size_t>(kMaxDims))
    throw ValueError(std::string(op) + ": tapegrad supports tensors of rank at most " +
                     std::to_string(kMaxDims) + ", got shape " + std::string(py::repr(v)));
  for (i64 d : dims) {
    if (d < 0) throw ValueError(std::string(op) + ": dimensions must be >= 0, got shape " + std::string(py::repr(v)));
    s.push_back(d);
  }
  return s;
}

}  // namespace tapegrad::bind
