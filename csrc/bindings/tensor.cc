// tapegrad.Tensor and tapegrad.Variable: attributes, numpy protocol, Python operators.
#include <initializer_list>
#include <utility>

#include "bindings/common.h"
#include "core/optimizer_updates.h"
#include "ops/ops.h"

namespace tapegrad::bind {
namespace {

// What a protocol method sees of `self`: a Tensor's value, or a Variable's current value.
Tensor value_of(py::handle self) {
  if (is_variable(self)) return variable_ptr(self)->value();
  if (!is_tensor(self))  // an unbound method called on something else: an error, not a crash
    throw TypeError("expected a tapegrad.Tensor or Variable, got " +
                    std::string(py::str(py::type::handle_of(self).attr("__name__"))));
  return Tensor(tensor_ptr(self));
}

VariableImpl* self_variable(py::handle self) {
  if (!is_variable(self))
    throw TypeError("expected a tapegrad.Variable, got " +
                    std::string(py::str(py::type::handle_of(self).attr("__name__"))));
  return variable_ptr(self);
}

double scalar_value(py::handle self, const char* what) {
  Tensor t = value_of(self);
  if (t.numel() != 1)
    throw TypeError(std::string("only tensors with one element can be converted to Python ") +
                    what + ", got shape " + t.shape().str());
  return t.item();
}

// x == y (eq) or x != y as TF 2's tensor_equals / tensor_not_equals.
py::object equality(py::handle self, py::handle other, bool eq) {
  if (other.is_none()) return py::bool_(!eq);
  // Numbers, tensors, arrays and sequences compare elementwise, and a value that does not
  // convert to self's dtype (x_int == 2.5, x == "a") is a TypeError, as in TF; any other
  // object is not equal (NotImplemented: its own __eq__ may answer).
  PyObject* o = other.ptr();
  if (PyUnicode_Check(o) || PyBytes_Check(o))
    throw TypeError(std::string(eq ? "equal" : "not_equal") + ": cannot convert " +
                    std::string(py::repr(other)) + " to " + a_dtype(value_of(self).dtype()) +
                    " tensor (tapegrad has no string dtype)");
  const bool tensor_like = PyNumber_Check(o) || is_tensor(other) || is_variable(other) ||
                           PyList_Check(o) || PyTuple_Check(o) || py::hasattr(other, "__array__");
  Tensor a, b;
  try {
    to_tensor_pair(self, other, eq ? "equal" : "not_equal", a, b);
  } catch (const TypeError&) {
    if (tensor_like) throw;
    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  } catch (const ValueError&) {
    if (tensor_like) throw;
    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  }
  if (a.shape() != b.shape()) {
    try {
      ops::broadcast_shape(a.shape(), b.shape(), "equal");
    } catch (const InvalidArgument&) {
      return wrap(Tensor::full(DType::Bool, Shape(), eq ? 0.0 : 1.0));
    }
  }
  return wrap(ops::compare(eq ? ops::Compare::Equal : ops::Compare::NotEqual, a, b,
                           eq ? "equal" : "not_equal"));
}

// `tensor <op> other` where `other` did not convert to a tensor: Python should try other's
// reflected method (`reflected`), as TF's binary_op_wrapper does, when other is an object of
// its own (a tapegrad.RaggedTensor, a user class) that defines it. Numbers, lists, tuples,
// strings and arrays keep the conversion's error, which says what was wrong with them (str's
// __rmul__ would repeat the string a tensor's number of times, or fail less clearly).
bool defers_to(PyObject* a, PyObject* b, const char* reflected) {
  if (!(is_tensor(a) || is_variable(a)) || is_tensor(b) || is_variable(b)) return false;
  if (PyNumber_Check(b) || PyList_Check(b) || PyTuple_Check(b) || PyUnicode_Check(b) || PyBytes_Check(b))
    return false;
  // array-likes keep the conversion error, unless their type asks to be deferred to (a
  // tapegrad.sparse.SparseTensor, whose __array__ only raises)
  if (PyObject_HasAttrString(b, "__array__") &&
      !PyObject_HasAttrString(reinterpret_cast<PyObject*>(Py_TYPE(b)), "_tapegrad_defers"))
    return false;
  return PyObject_HasAttrString(reinterpret_cast<PyObject*>(Py_TYPE(b)), reflected) != 0;
}

// Converts `other` for `self <op> other` into b (self's dtype); false when other is a foreign
// object that should get its reflected method instead (defers_to): the caller returns
// NotImplemented. Other conversion errors propagate.
bool other_operand(py::handle self, py::handle other, const DType& d, const char* op,
                   const char* reflected, Tensor& b) {
  try {
    b = to_tensor(other, &d, op);
    return true;
  } catch (const ValueError&) {
    if (defers_to(self.ptr(), other.ptr(), reflected)) return false;
    throw;
  } catch (const TypeError&) {
    if (defers_to(self.ptr(), other.ptr(), reflected)) return false;
    throw;
  } catch (py::error_already_set& e) {  // raised by Python code (a SparseTensor's __array__)
    if ((e.matches(PyExc_TypeError) || e.matches(PyExc_ValueError)) &&
        defers_to(self.ptr(), other.ptr(), reflected))
      return false;
    throw;
  }
}

template <class Cls>
void add_protocol(Cls& cls) {
  cls.def_property_readonly("shape", [](py::handle self) { return shape_tuple(value_of(self).shape()); },
                            "The shape, a tuple-like TensorShape.")
      .def_property_readonly("dtype", [](py::handle self) {
        return registry().dtypes[static_cast<int>(value_of(self).dtype())];
      }, "The dtype: tapegrad.float32, float64, int32, int64, uint8 or bool.")
      .def_property_readonly("ndim", [](py::handle self) { return value_of(self).ndim(); },
                             "Number of dimensions (the rank).")
      .def_property_readonly("size", [](py::handle self) { return value_of(self).numel(); },
                             "Number of elements.")
      .def("__float__", [](py::handle self) { return scalar_value(self, "scalars"); })
      .def("__int__", [](py::handle self) -> py::object {
        Tensor t = value_of(self);
        if (t.numel() == 1 && t.dtype() == DType::Int64) return py::int_(*t.data<std::int64_t>());
        double v = scalar_value(self, "scalars");
        return py::int_(py::float_(v));
      })
      .def("__index__", [](py::handle self) -> i64 {
        Tensor t = value_of(self);
        if (!is_integer(t.dtype()))
          throw TypeError(std::string("only integer tensors can be used as an index, got ") + a_dtype(t.dtype()) + " tensor");
        if (t.numel() != 1)
          throw TypeError("only integer tensors with one element can be used as an index, got shape " +
                          t.shape().str());
        return dispatch_int(t.dtype(), [&](auto z) { return static_cast<i64>(*t.data<decltype(z)>()); });
      })
      .def("__bool__", [](py::handle self) {
        Tensor t = value_of(self);
        if (t.numel() != 1)
          throw ValueError("The truth value of a tensor with " + std::to_string(t.numel()) +
                           " elements is ambiguous (shape " + t.shape().str() + ")");
        return t.item() != 0;
      })
      .def("__len__", [](py::handle self) -> i64 {
        Tensor t = value_of(self);
        if (t.ndim() == 0) throw TypeError("Scalar tensor has no `len()`");
        return t.shape().d[0];
      });
  // Note [Tensor equality]: as TF 2, == and != compare elementwise into a bool tensor (a value
  // that is not a tensor-like gives NotImplemented, so Python falls back to identity; shapes
  // that do not broadcast give False), and a tensor is unhashable: key dicts by tensor.ref().
  // `x in list` still finds x itself, since Python tests identity before ==.
  cls.def("__eq__", [](py::handle self, py::handle other) { return equality(self, other, true); },
          py::is_operator());
  cls.def("__ne__", [](py::handle self, py::handle other) { return equality(self, other, false); },
          py::is_operator());
  cls.attr("__hash__") = py::cpp_function([](py::handle self) -> py::int_ {
    const char* what = is_variable(self) ? "Variable" : "Tensor";
    const char* var = is_variable(self) ? "variable" : "tensor";
    throw TypeError(std::string(what) + " is unhashable. Instead, use " + var + ".ref() as the key.");
  }, py::is_method(cls));
  // A foreign right operand with the reflected method (a RaggedTensor) gets NotImplemented,
  // so Python asks it: `tensor < ragged` is ragged's `>`, as TF.
#define TG_CMP(pyname, kind, fn, reflected)                                               \
  cls.def(pyname, [](py::handle self, py::handle other) -> py::object {                   \
    Tensor a = to_tensor(self, nullptr, #fn), b;                                          \
    if (!other_operand(self, other, a.dtype(), #fn, reflected, b))                        \
      return py::reinterpret_borrow<py::object>(Py_NotImplemented);                       \
    return wrap(ops::compare(ops::Compare::kind, a, b, #fn));                             \
  }, py::is_operator());
  TG_CMP("__lt__", Less, less, "__gt__")
  TG_CMP("__le__", LessEqual, less_equal, "__ge__")
  TG_CMP("__gt__", Greater, greater, "__lt__")
  TG_CMP("__ge__", GreaterEqual, greater_equal, "__le__")
#undef TG_CMP
  // & | ^ ~ are logical on bool tensors and bitwise on integer ones, as TF's operators.
#define TG_LOGIC(pyname, rname, kind, fn, bfn)                                            \
  cls.def(pyname, [](py::handle self, py::handle other) -> py::object {                   \
    Tensor a = to_tensor(self, nullptr, #fn), b;                                          \
    const DType d = a.dtype();                                                            \
    const bool logic = d == DType::Bool;                                                  \
    if (!other_operand(self, other, d, logic ? #fn : #bfn, rname, b))                     \
      return py::reinterpret_borrow<py::object>(Py_NotImplemented);                       \
    if (logic) return wrap(ops::logical(ops::Logic::kind, a, b, #fn));                    \
    return wrap(ops::bitwise(ops::Bitwise::kind, a, b, #bfn));                            \
  }, py::is_operator());                                                                  \
  cls.def(rname, [](py::handle self, py::handle other) {                                  \
    Tensor b = to_tensor(self, nullptr, #fn);                                             \
    const DType d = b.dtype();                                                            \
    if (d == DType::Bool)                                                                 \
      return wrap(ops::logical(ops::Logic::kind, to_tensor(other, &d, #fn), b, #fn));    \
    return wrap(ops::bitwise(ops::Bitwise::kind, to_tensor(other, &d, #bfn), b, #bfn));  \
  }, py::is_operator());
  TG_LOGIC("__and__", "__rand__", And, logical_and, bitwise_and)
  TG_LOGIC("__or__", "__ror__", Or, logical_or, bitwise_or)
  TG_LOGIC("__xor__", "__rxor__", Xor, logical_xor, bitwise_xor)
#undef TG_LOGIC
  cls.def("__invert__", [](py::handle self) {
    Tensor x = to_tensor(self, nullptr, "logical_not");
    if (x.dtype() == DType::Bool) return wrap(ops::logical_not(x));
    return wrap(ops::bitwise_invert(x));
  });
  // As TF's tensors: no __array_ufunc__, and a priority above ndarray's, so `array * tensor`
  // defers to our reflected operator (a Tensor) while a ufunc called on a tensor
  // (np.sqrt(t)) takes its __array__ and gives a numpy array.
  cls.attr("__array_priority__") = 100;

#define TG_BINOP(pyname, rname, fn)                                                    \
  cls.def(pyname, [](py::handle self, py::handle other) {                       \
    Tensor a, b;                                                                \
    to_tensor_pair(self, other, #fn, a, b);                                     \
    return wrap(ops::fn(a, b));                                                 \
  }, py::is_operator());                                                        \
  cls.def(rname, [](py::handle self, py::handle other) {             \
    Tensor a, b;                                                                \
    to_tensor_pair(other, self, #fn, a, b);                                     \
    return wrap(ops::fn(a, b));                                                 \
  }, py::is_operator());
  TG_BINOP("__add__", "__radd__", add)
  TG_BINOP("__sub__", "__rsub__", subtract)
  TG_BINOP("__mul__", "__rmul__", multiply)
  TG_BINOP("__truediv__", "__rtruediv__", divide)
  TG_BINOP("__pow__", "__rpow__", pow)
  TG_BINOP("__floordiv__", "__rfloordiv__", floordiv)
  TG_BINOP("__mod__", "__rmod__", floormod)
#undef TG_BINOP
  cls.def("__matmul__", [](py::handle self, py::handle other) {
    Tensor a, b;
    to_tensor_pair(self, other, "matmul", a, b);
    return wrap(ops::matmul(a, b));
  }, py::is_operator());
  cls.def("__rmatmul__", [](py::handle self, py::handle other) {
    Tensor a, b;
    to_tensor_pair(other, self, "matmul", a, b);
    return wrap(ops::matmul(a, b));
  }, py::is_operator());
  cls.def("__neg__", [](py::handle self) { return wrap(ops::negative(to_tensor(self, nullptr, "negative"))); });
  cls.def("__pos__", [](py::handle self) { return wrap(to_tensor(self, nullptr, "identity")); });
  cls.def("__abs__", [](py::handle self) { return wrap(ops::abs(to_tensor(self, nullptr, "abs"))); });
}

// Op names for errors raised by the number slots (the op each operator runs).
constexpr char kAdd[] = "add", kSubtract[] = "subtract", kMultiply[] = "multiply",
               kDivide[] = "divide", kMatmul[] = "matmul", kPow[] = "pow",
               kFloordiv[] = "floordiv", kFloormod[] = "floormod";

// The reflected method each operator falls back to (deferred_to).
constexpr char kRadd[] = "__radd__", kRsub[] = "__rsub__", kRmul[] = "__rmul__",
               kRtruediv[] = "__rtruediv__", kRmatmul[] = "__rmatmul__", kRpow[] = "__rpow__",
               kRfloordiv[] = "__rfloordiv__", kRmod[] = "__rmod__";


// Note [Number slots]: Python's `a * b` on a pybind11 class goes slot_nb_multiply → attribute
// lookup of __mul__ → bound method → pybind11's overload dispatcher. Setting the C slots
// directly makes an operator one C call; the __mul__ methods stay for introspection.
template <Tensor (*Op)(const Tensor&, const Tensor&), const char* Name, const char* Reflected>
PyObject* nb_binary(PyObject* a, PyObject* b) {
  try {
    Tensor ta, tb;
    try {
      to_tensor_pair(a, b, Name, ta, tb);
    } catch (const ValueError&) {  // (TypeError is not a ValueError: caught below)
      if (defers_to(a, b, Reflected)) Py_RETURN_NOTIMPLEMENTED;
      throw;
    } catch (const TypeError&) {
      if (defers_to(a, b, Reflected)) Py_RETURN_NOTIMPLEMENTED;
      throw;
    } catch (py::error_already_set& e) {  // raised by Python code (a SparseTensor's __array__)
      if ((e.matches(PyExc_TypeError) || e.matches(PyExc_ValueError)) && defers_to(a, b, Reflected))
        Py_RETURN_NOTIMPLEMENTED;
      throw;
    }
    return wrap(Op(ta, tb)).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

Tensor matmul2(const Tensor& a, const Tensor& b) { return ops::matmul(a, b); }

PyObject* nb_power(PyObject* a, PyObject* b, PyObject* mod) {
  if (mod != Py_None) {
    PyErr_SetString(PyExc_TypeError, "pow() with a modulus is not supported for tensors");
    return nullptr;
  }
  return nb_binary<ops::pow, kPow, kRpow>(a, b);
}

PyObject* nb_negative(PyObject* a) {
  try {
    return wrap(ops::negative(to_tensor(a, nullptr, "negative"))).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

// See Note [Fast tensor objects]: objects made by wrap() are freed here without pybind11's
// registry; any other instance (registered, weak-referenced) takes pybind11's own path.
destructor g_pybind11_dealloc = nullptr;

void tensor_dealloc(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  if (!inst->simple_layout || inst->simple_instance_registered || inst->has_patients ||
      inst->weakrefs) {
    g_pybind11_dealloc(self);
    return;
  }
  PyTypeObject* tp = Py_TYPE(self);
  if (PyType_HasFeature(tp, Py_TPFLAGS_HAVE_GC)) PyObject_GC_UnTrack(self);
  if (inst->simple_holder_constructed)
    reinterpret_cast<Ref<TensorImpl>*>(&inst->simple_value_holder[1])->~Ref();
  tp->tp_free(self);
  Py_DECREF(tp);  // tp_alloc counted a reference to the heap type
}

void install_number_slots(py::handle cls) {
  auto* tp = reinterpret_cast<PyTypeObject*>(cls.ptr());
  PyNumberMethods* nb = tp->tp_as_number;
  nb->nb_add = nb_binary<ops::add, kAdd, kRadd>;
  nb->nb_subtract = nb_binary<ops::subtract, kSubtract, kRsub>;
  nb->nb_multiply = nb_binary<ops::multiply, kMultiply, kRmul>;
  nb->nb_true_divide = nb_binary<ops::divide, kDivide, kRtruediv>;
  nb->nb_floor_divide = nb_binary<ops::floordiv, kFloordiv, kRfloordiv>;
  nb->nb_remainder = nb_binary<ops::floormod, kFloormod, kRmod>;
  nb->nb_matrix_multiply = nb_binary<matmul2, kMatmul, kRmatmul>;
  nb->nb_power = nb_power;
  nb->nb_negative = nb_negative;
  PyType_Modified(tp);
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<TensorImpl, Ref<TensorImpl>> tensor(m, "Tensor", py::is_final(), R"doc(
An immutable n-dimensional array of float32 or float64, as TF's EagerTensor.

Create one with tapegrad.constant / convert_to_tensor; ops and operators (+ - * / // % ** @)
return new tensors and are recorded by active GradientTapes.)doc");
  add_protocol(tensor);
  {
    auto* tp = reinterpret_cast<PyTypeObject*>(tensor.ptr());
    g_pybind11_dealloc = tp->tp_dealloc;
    tp->tp_dealloc = tensor_dealloc;
    PyType_Modified(tp);
  }
  tensor.def("numpy", [](py::handle self) {
    if (!is_tensor(self))
      throw TypeError("Tensor.numpy: expected a tapegrad.Tensor, got " +
                      std::string(py::str(py::type::handle_of(self).attr("__name__"))));
    Tensor t(tensor_ptr(self));
    py::array view = numpy_view(t, self, false);
    if (t.ndim() == 0) return py::object(view[py::tuple()]);  // a numpy scalar, as TF's (hashable)
    return py::object(std::move(view));
  }, "The value as a read-only numpy array sharing this tensor's memory (no copy); a 0-d "
     "tensor gives a numpy scalar (np.float32(1.5)), as TF's.");
  tensor.def("_num_watches", [](const TensorImpl& t) { return t.num_watches(); });
  tensor.def("_storage_id", [](const TensorImpl& t) { return reinterpret_cast<std::uintptr_t>(t.storage()); });

  py::class_<VariableImpl, Ref<VariableImpl>> var(m, "Variable", R"doc(
A mutable tensor for model parameters, as tf.Variable.

Variable(initial_value, trainable=True, name=None, dtype=None). Reads as a tensor in every op;
assign / assign_add / assign_sub update it in place (shape and dtype checked). Trainable
variables read under a GradientTape are watched automatically.)doc");
  add_protocol(var);
  // `v += x` and the like: TF's RuntimeError, not a silent rebinding of the name to a new
  // tensor while the variable keeps its value.
  for (const auto& [slot, msg] : std::initializer_list<std::pair<const char*, const char*>>{
           {"__iadd__", "`variable += value` with `tf.Variable`s is not supported. Use "
                        "`variable.assign_add(value)` to modify the variable, or `out = variable "
                        "+ value` if you need to get a new output Tensor."},
           {"__isub__", "`variable -= value` with `tf.Variable`s is not supported. Use "
                        "`variable.assign_sub(value)` to modify the variable, or `out = variable "
                        "- value` if you need to get a new output Tensor."},
           {"__imul__", "`var *= value` with `tf.Variable`s is not supported. Use `var.assign(var "
                        "* value)` to modify the variable, or `out = var * value` if you need to "
                        "get a new output Tensor."},
           {"__itruediv__", "`var /= value` with `tf.Variable`s is not supported. Use "
                            "`var.assign(var / value)` to modify the variable, or `out = var / "
                            "value` if you need to get a new output Tensor."}}) {
    const std::string text = msg;
    var.def(slot, [text](py::handle, py::handle) -> py::object { throw std::runtime_error(text); },
            py::is_operator());
  }
  var.def(py::init([](py::object init, bool trainable, py::object name, py::object dtype) {
        if (init.is_none())
          throw ValueError("Variable: initial_value must be specified (got None)");
        if (PyCallable_Check(init.ptr()) && !is_tensor(init)) init = init();
        DType dt;
        DType* dtp = nullptr;
        if (!dtype.is_none()) { dt = parse_dtype(dtype, "Variable"); dtp = &dt; }
        if (dtp) {
          py::object converted = numpy_as_requested(init, dt);
          if (converted) init = converted;
        }
        Tensor v;
        {
          TapePause pause;  // creating a variable is not a differentiable read
          v = to_tensor(init, dtp, "Variable");
          if (dtp && v.dtype() != *dtp) v = ops::cast(v, *dtp);
        }
        // Share the buffer: copy-on-write keeps the caller's tensor intact on assign.
        Tensor own = v.alias(v.shape());
        std::string nm = name.is_none() ? std::string("Variable") : std::string(py::str(name));
        return Ref<VariableImpl>(new VariableImpl(own, trainable, nm));
      }), py::arg("initial_value") = py::none(), py::arg("trainable") = true,
      py::arg("name") = py::none(), py::arg("dtype") = py::none())
      .def_property_readonly("name", [](const VariableImpl& v) { return v.name() + ":0"; },
                             "The variable's name with TF's ':0' suffix.")
      .def_property_readonly("trainable", &VariableImpl::trainable,
                             "Whether GradientTapes watch this variable when it is read.")
      .def("numpy", [](const VariableImpl& v) -> py::object {
        py::array view = numpy_view(v.value(), py::none(), false);
        if (v.value().ndim() == 0) return py::object(view[py::tuple()]);  // a numpy scalar, as TF's
        return view.attr("copy")();
      }, "A copy of the current value as a numpy array (a numpy scalar for a 0-d variable).")
      .def("value", [](VariableImpl& v) { return wrap(v.read()); }, "The current value as a Tensor.")
      .def("read_value", [](VariableImpl& v) { return wrap(v.read()); }, "The current value as a Tensor.")
      .def("assign", [](py::handle self, py::handle value, py::object, py::object, bool read_value) {
        VariableImpl* v = self_variable(self);
        DType d = v->dtype();
        v->assign(to_tensor(value, &d, "assign"));
        return read_value ? py::reinterpret_borrow<py::object>(self) : py::none();
      }, py::arg("value"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(),
         py::arg("read_value") = true, "Set the value in place; returns the variable (None with read_value=False, as TF).")
      .def("assign_add", [](py::handle self, py::handle value, py::object, py::object, bool read_value) {
        VariableImpl* v = self_variable(self);
        DType d = v->dtype();
        v->assign_add(to_tensor(value, &d, "assign_add"));
        return read_value ? py::reinterpret_borrow<py::object>(self) : py::none();
      }, py::arg("delta"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(),
         py::arg("read_value") = true, "Add to the value in place (one pass); returns the variable (None with read_value=False).")
      .def("assign_sub", [](py::handle self, py::handle value, py::object, py::object, bool read_value) {
        VariableImpl* v = self_variable(self);
        DType d = v->dtype();
        v->assign_sub(to_tensor(value, &d, "assign_sub"));
        return read_value ? py::reinterpret_borrow<py::object>(self) : py::none();
      }, py::arg("delta"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(),
         py::arg("read_value") = true, "Subtract from the value in place (one pass); returns the variable (None with read_value=False).")
      .def("_writable_numpy", [](VariableImpl& v) {
        Tensor t = v.writable_value(true);  // copy-on-write: tapes and readers keep the old value
        py::object owner = wrap(t);
        return numpy_view(t, owner, true);
      }, "A writable numpy view of the value, for in-place updates of part of it (sliced assign "
         "and scatter_*, tapegrad/_variables.py). Drop it right after writing.")
      .def("_checked", [](VariableImpl& v, py::handle g, const std::string& op) {
        DType d = v.dtype();
        Tensor t = to_tensor(g, &d, op.c_str());
        v.check_compatible(t, op.c_str());
        return wrap(t);
      }, "g as a tensor that assign/_axpy would accept (else their TypeError/ValueError, naming "
         "op): optimizers check every update before making any.")
      .def("_axpy", [](VariableImpl& v, double alpha, py::handle g) {
        DType d = v.dtype();
        v.axpy(alpha, to_tensor(g, &d, "apply_gradients"), "apply_gradients");
      }, "value += alpha * g in one pass (optimizer updates).")
      .def("_sgd_momentum", [](VariableImpl& w, py::handle g, VariableImpl& m, double lr,
                               double momentum, bool nesterov) {
        DType d = w.dtype();
        sgd_momentum_update(w, to_tensor(g, &d, "SGD.apply_gradients"), m, lr, momentum, nesterov);
      }, "One-pass SGD momentum update of this variable and its slot m (optimizers).")
      .def("_adam", [](VariableImpl& w, py::handle g, VariableImpl& m, VariableImpl& v,
                       VariableImpl* vhat, double lr_t, double b1, double b2, double eps) {
        DType d = w.dtype();
        adam_update(w, to_tensor(g, &d, "Adam.apply_gradients"), m, v, vhat, lr_t, b1, b2, eps);
      }, py::arg("grad"), py::arg("m"), py::arg("v"), py::arg("vhat").none(true), py::arg("lr_t"),
         py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"),
         "One-pass Adam update of this variable and its slots (optimizers).")
      .def("_adamax", [](VariableImpl& w, py::handle g, VariableImpl& m, VariableImpl& u, double lr_t,
                         double b1, double b2, double eps) {
        DType d = w.dtype();
        adamax_update(w, to_tensor(g, &d, "Adamax.apply_gradients"), m, u, lr_t, b1, b2, eps);
      }, py::arg("grad"), py::arg("m"), py::arg("u"), py::arg("lr_t"), py::arg("beta_1"),
         py::arg("beta_2"), py::arg("epsilon"),
         "One-pass Adamax update of this variable and its slots (optimizers).")
      .def("_rmsprop", [](VariableImpl& w, py::handle g, VariableImpl& v, VariableImpl* mom,
                          double lr, double rho, double momentum, double eps) {
        DType d = w.dtype();
        rmsprop_update(w, to_tensor(g, &d, "RMSprop.apply_gradients"), v, mom, lr, rho, momentum, eps);
      }, py::arg("grad"), py::arg("v"), py::arg("mom").none(true), py::arg("lr"), py::arg("rho"),
         py::arg("momentum"), py::arg("epsilon"),
         "One-pass RMSprop update of this variable and its slots (optimizers).")
      .def("_num_watches", [](const VariableImpl& v) { return v.num_watches(); })
      .def("_storage_id", [](const VariableImpl& v) {
        return reinterpret_cast<std::uintptr_t>(v.value().impl()->storage());
      });
  init_fast_types();
  install_number_slots(tensor);
  install_number_slots(var);
}

}  // namespace tapegrad::bind
