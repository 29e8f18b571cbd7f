// Shared by the binding files: the holder declarations and Python <-> Tensor conversion.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "core/tensor.h"
#include "core/variable.h"

PYBIND11_DECLARE_HOLDER_TYPE(T, tapegrad::Ref<T>, true)

namespace tapegrad::bind {

namespace py = pybind11;

// Python objects set once at import by tapegrad/__init__.py.
struct PyRegistry {
  py::object dtypes[kNumDTypes];  // tapegrad.float32, float64, int32, int64, bool (DType order)
  py::object shape_cls;   // tapegrad.TensorShape (a tuple subclass)
};
PyRegistry& registry();

// Note [Fast tensor objects]
// Profiling a scalar op chain showed pybind11's generic casting (type lookups by typeid) as a
// large share of each op. The Python Tensor type is final, so identity of the type object is
// the whole isinstance check; its type_info is looked up once at import (init_fast_types) and
// objects are built and unwrapped with it directly.
//
// Tensors made by wrap() also stay out of pybind11's instance registry (a global hash map from
// C++ pointer to Python object, updated on every creation and destruction: about 10% of a scalar
// op). Nothing needs the map for Tensor: a Tensor object holds a counted Ref to an immutable
// TensorImpl, so two Python objects sharing one TensorImpl are harmless, and tensor_dealloc
// (tensor.cc) frees such objects without consulting it. The instance uses pybind11's simple
// layout ([value ptr][holder]), which a final class whose holder is one pointer always has.
struct FastTypes {
  PyTypeObject* tensor = nullptr;
  PyTypeObject* variable = nullptr;
  const py::detail::type_info* tensor_ti = nullptr;
  const py::detail::type_info* variable_ti = nullptr;
};
FastTypes& fast_types();
void init_fast_types();

inline bool is_tensor(py::handle h) { return Py_TYPE(h.ptr()) == fast_types().tensor; }
inline bool is_variable(py::handle h) {
  PyTypeObject* t = Py_TYPE(h.ptr());
  return t == fast_types().variable || PyType_IsSubtype(t, fast_types().variable);
}
// h must be a Tensor (is_tensor): simple layout, slot 0 is the value pointer.
inline TensorImpl* tensor_ptr(py::handle h) {
  return static_cast<TensorImpl*>(reinterpret_cast<py::detail::instance*>(h.ptr())->simple_value_holder[0]);
}
inline VariableImpl* variable_ptr(py::handle h) {
  auto* inst = reinterpret_cast<py::detail::instance*>(h.ptr());
  return static_cast<VariableImpl*>(
      inst->get_value_and_holder(fast_types().variable_ti, false).value_ptr());
}

// The dtype of a Tensor or Variable (is_tensor or is_variable), without reading the Variable
// (a read under a tape is recorded).
inline DType held_dtype(py::handle h) {
  return is_tensor(h) ? tensor_ptr(h)->dtype() : variable_ptr(h)->dtype();
}

static_assert(sizeof(Ref<TensorImpl>) <= sizeof(void*), "Ref must fit pybind11's simple layout");

inline py::object wrap(const Tensor& t) {
  PyTypeObject* tp = fast_types().tensor;
  PyObject* o = tp->tp_alloc(tp, 0);  // zeroed; counts a reference to the heap type
  if (!o) throw py::error_already_set();
  auto* inst = reinterpret_cast<py::detail::instance*>(o);
  inst->simple_layout = true;
  inst->owned = true;
  inst->simple_value_holder[0] = t.impl();
  new (&inst->simple_value_holder[1]) Ref<TensorImpl>(t.ref());
  inst->simple_holder_constructed = true;  // simple_instance_registered stays false
  return py::reinterpret_steal<py::object>(o);
}
inline py::object wrap_or_none(const Tensor& t) { return t ? wrap(t) : py::none(); }

// Python → Tensor for op arguments. Tensors pass through, Variables are read (with tape
// watching), Python numbers and array-likes are converted, taking `hint`'s dtype when given
// (a Python scalar takes the other operand's dtype, as in TF). `op` names the caller in errors.
Tensor to_tensor(py::handle h, const DType* hint, const char* op);
// A numpy array or scalar of floats (or of ints, for bool) that an explicit dtype= asks to be
// an integer or bool tensor, converted by numpy as TF's constant / Variable do (floats
// truncate, NaN becomes INT_MIN, nonzero True); else a null object (to_tensor refuses Python
// floats, and a float array as the operand of an integer tensor's operator, which TF would
// truncate silently).
py::object numpy_as_requested(py::handle value, DType d);
// Note [Foreign reductions]
// tf.reduce_sum and its siblings also take a tapegrad.RaggedTensor, as TF's ragged dispatch
// does. The check lives here, not in a Python wrapper (which cost every reduction 30-55 ns):
// a Tensor argument never reaches it, anything else costs one type-dict lookup of
// `_tapegrad_ragged`, and such a type is handed to the Python function that
// tapegrad.ragged registers at import (`_set_foreign_reduce`). Returns a null object when
// `x` is not of such a type (the caller then converts it as usual).
py::object foreign_reduce(const char* kind, py::handle x, py::handle axis, bool keepdims);
void set_foreign_reduce(py::handle fn);
// Both operands of a binary op: a Tensor/Variable operand decides the other's dtype.
void to_tensor_pair(py::handle a, py::handle b, const char* op, Tensor& ta, Tensor& tb);
// The numpy view of a tensor's buffer (read-only unless `writable`) kept alive by `owner`.
py::array numpy_view(const Tensor& t, py::handle owner, bool writable);
py::dtype numpy_dtype(DType d);  // numpy's dtype for ours
DType parse_dtype(py::handle dtype, const char* op);  // tapegrad/numpy dtypes, strings; TypeError otherwise
Shape parse_shape(py::handle shape, const char* op);
std::vector<i64> parse_int_list(py::handle v, const char* op, const char* what);
i64 parse_int(py::handle v, const char* op, const char* what);  // TypeError if not an int
// The items of a Python sequence, owned (items of a non-list sequence such as a numpy array are
// new objects), raising the sequence's own error (e.g. len() of a 0-d Variable) instead of
// leaving it set as pybind11's sequence iterator does.
std::vector<py::object> sequence_items(py::handle seq, const char* op);
py::object shape_tuple(const Shape& s);

}  // namespace tapegrad::bind
