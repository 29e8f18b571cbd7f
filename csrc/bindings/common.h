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
  py::object dtypes[2];   // tapegrad.float32, tapegrad.float64
  py::object shape_cls;   // tapegrad.TensorShape (a tuple subclass)
};
PyRegistry& registry();

// Note [Fast tensor objects]
// Profiling a scalar op chain showed pybind11's generic casting (type lookups by typeid) as a
// large share of each op. The Python Tensor type is final, so identity of the type object is
// the whole isinstance check; its type_info is looked up once at import (init_fast_types) and
// objects are built and unwrapped with it directly.
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
inline TensorImpl* tensor_ptr(py::handle h) {
  auto* inst = reinterpret_cast<py::detail::instance*>(h.ptr());
  return static_cast<TensorImpl*>(inst->get_value_and_holder(fast_types().tensor_ti).value_ptr());
}
inline VariableImpl* variable_ptr(py::handle h) {
  auto* inst = reinterpret_cast<py::detail::instance*>(h.ptr());
  return static_cast<VariableImpl*>(
      inst->get_value_and_holder(fast_types().variable_ti, false).value_ptr());
}

inline py::object wrap(const Tensor& t) {
  Ref<TensorImpl> holder = t.ref();
  return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
      holder.get(), py::return_value_policy::take_ownership, py::handle(), fast_types().tensor_ti,
      nullptr, nullptr, &holder));
}
inline py::object wrap_or_none(const Tensor& t) { return t ? wrap(t) : py::none(); }

// Python → Tensor for op arguments. Tensors pass through, Variables are read (with tape
// watching), Python numbers and array-likes are converted, taking `hint`'s dtype when given
// (a Python scalar takes the other operand's dtype, as in TF). `op` names the caller in errors.
Tensor to_tensor(py::handle h, const DType* hint, const char* op);
// Both operands of a binary op: a Tensor/Variable operand decides the other's dtype.
void to_tensor_pair(py::handle a, py::handle b, const char* op, Tensor& ta, Tensor& tb);
// tapegrad.constant's conversion: dtype given (or inferred: floats → float32, float64 arrays
// stay float64).
Tensor from_value(py::handle value, const DType* dtype);
// The numpy view of a tensor's buffer (read-only unless `writable`) kept alive by `owner`.
py::array numpy_view(const Tensor& t, py::handle owner, bool writable);
DType parse_dtype(py::handle dtype);  // tapegrad/numpy dtypes, strings; TypeError otherwise
Shape parse_shape(py::handle shape, const char* op);
std::vector<i64> parse_int_list(py::handle v, const char* op, const char* what);
i64 parse_int(py::handle v, const char* op, const char* what);  // TypeError if not an int
// The items of a Python sequence, owned (items of a non-list sequence such as a numpy array are
// new objects), raising the sequence's own error (e.g. len() of a 0-d Variable) instead of
// leaving it set as pybind11's sequence iterator does.
std::vector<py::object> sequence_items(py::handle seq, const char* op);
py::object shape_tuple(const Shape& s);

}  // namespace tapegrad::bind
