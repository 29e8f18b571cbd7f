// The extension module tapegrad._core: only wires the binding files together.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_kernels_testing(py::module_& m);
void bind_runtime(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "tapegrad's C++ core (private: use the tapegrad package)";
  bind_runtime(m);
  bind_kernels_testing(m);
}
