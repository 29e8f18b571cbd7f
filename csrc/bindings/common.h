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

inline py::object wrap(const Tensor& t) { return py::cast(t.ref()); }
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
py::object shape_tuple(const Shape& s);

}  // namespace tapegrad::bind
