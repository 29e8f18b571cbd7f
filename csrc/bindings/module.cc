// The extension module tapegrad._core: wires the binding files together, translates errors.
#include <Python.h>

#include "bindings/common.h"
#include "core/gil.h"

namespace py = pybind11;

void bind_kernels_testing(py::module_& m);
void bind_runtime(py::module_& m);
namespace tapegrad::bind {
void bind_tensor(py::module_& m);
void bind_ops(py::module_& m);
void bind_logic_ops(py::module_& m);
void bind_tape(py::module_& m);
void bind_collectives(py::module_& m);
}  // namespace tapegrad::bind

PYBIND11_MODULE(_core, m) {
  m.doc() = "tapegrad's C++ core (private: use the tapegrad package)";
  tapegrad::gil_hooks().release = [] { return static_cast<void*>(PyEval_SaveThread()); };
  tapegrad::gil_hooks().acquire = [](void* s) { PyEval_RestoreThread(static_cast<PyThreadState*>(s)); };

  // Note [Error classes] (core/errors.h).
  static py::exception<tapegrad::InvalidArgument> invalid_arg(m, "InvalidArgumentError", PyExc_ValueError);
  invalid_arg.attr("__doc__") =
      "Raised when an op receives an argument it cannot accept (shapes that do not match or "
      "broadcast, an axis out of range, ...), as tf.errors.InvalidArgumentError. A subclass "
      "of ValueError; the message names the op.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tapegrad::InvalidArgument& e) {
      py::set_error(invalid_arg, e.what());
    } catch (const tapegrad::TypeError& e) {
      py::set_error(PyExc_TypeError, e.what());
    }
  });

  m.def("_register", [](py::sequence dtypes, py::object shape_cls) {
    if (py::len(dtypes) != tapegrad::kNumDTypes) throw tapegrad::ValueError("_register: expected every dtype");
    auto& r = tapegrad::bind::registry();
    for (int i = 0; i < tapegrad::kNumDTypes; ++i) r.dtypes[i] = dtypes[i];
    r.shape_cls = shape_cls;
  });
  bind_runtime(m);
  tapegrad::bind::bind_tensor(m);
  tapegrad::bind::bind_ops(m);
  tapegrad::bind::bind_logic_ops(m);
  tapegrad::bind::bind_tape(m);
  tapegrad::bind::bind_collectives(m);
  bind_kernels_testing(m);
}
