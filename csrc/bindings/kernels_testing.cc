// tapegrad._core._kernels: raw kernel calls on numpy arrays, per ISA, for the kernel tests.
// Not public API: it exists so tests can compare every compiled ISA with scalar in one process.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "kernels/kernels.h"

namespace py = pybind11;
namespace k = tapegrad::kernels;

namespace {

template <class T> using Arr = py::array_t<T, py::array::c_style | py::array::forcecast>;

const k::KernelTable& tab(const std::string& isa) { return k::table_for_isa(isa.c_str()); }

template <class T> const k::KernelSet<T>& ks(const std::string& isa) {
  if constexpr (std::is_same_v<T, float>) return tab(isa).f32; else return tab(isa).f64;
}

k::Unary unary_id(const std::string& s) {
  static const char* names[] = {"neg", "abs", "sign", "square", "sqrt", "exp", "log", "tanh",
                                "sigmoid", "relu", "log1p", "erf", "erfc", "sin", "cos", "tan", "atan",
                                "expm1"};
  for (int i = 0; i < int(k::Unary::kCount); ++i) if (s == names[i]) return k::Unary(i);
  throw std::invalid_argument("unknown unary kernel " + s);
}
k::Binary binary_id(const std::string& s) {
  static const char* names[] = {"add", "sub", "mul", "div", "max", "min", "pow", "relu_grad", "leaky_relu"};
  for (int i = 0; i < int(k::Binary::kCount); ++i) if (s == names[i]) return k::Binary(i);
  throw std::invalid_argument("unknown binary kernel " + s);
}
k::Act act_id(const std::string& s) {
  if (s == "none") return k::Act::None;
  if (s == "relu") return k::Act::Relu;
  if (s == "sigmoid") return k::Act::Sigmoid;
  if (s == "tanh") return k::Act::Tanh;
  throw std::invalid_argument("unknown activation " + s);
}

template <class T> void bind_typed(py::module_& m) {
  m.def("unary", [](const std::string& isa, const std::string& op, Arr<T> x) {
    Arr<T> out(x.request().shape);
    auto f = ks<T>(isa).unary[int(unary_id(op))];
    { py::gil_scoped_release r; f(x.size(), x.data(), out.mutable_data()); }
    return out;
  });
  // a and b are 1-D; a length-1 array broadcasts (stride 0).
  m.def("binary", [](const std::string& isa, const std::string& op, Arr<T> a, Arr<T> b) {
    py::ssize_t n = std::max(a.size(), b.size());
    if ((a.size() != n && a.size() != 1) || (b.size() != n && b.size() != 1))
      throw std::invalid_argument("binary: sizes must match or be 1");
    Arr<T> out(n);
    auto f = ks<T>(isa).binary[int(binary_id(op))];
    { py::gil_scoped_release r; f(n, a.data(), a.size() == n ? 1 : 0, b.data(), b.size() == n ? 1 : 0, out.mutable_data()); }
    return out;
  });
  m.def("ternary", [](const std::string& isa, const std::string& op, Arr<T> g, Arr<T> a, Arr<T> b) {
    py::ssize_t n = std::max({g.size(), a.size(), b.size()});
    for (auto s : {g.size(), a.size(), b.size()})
      if (s != n && s != 1) throw std::invalid_argument("ternary: sizes must match or be 1");
    Arr<T> out(n);
    auto f = ks<T>(isa).ternary[int(op == "mask_ge" ? k::Ternary::MaskGe : k::Ternary::MaskGt)];
    f(n, g.data(), g.size() == n, a.data(), a.size() == n, b.data(), b.size() == n, out.mutable_data());
    return out;
  });
  m.def("reduce", [](const std::string& isa, const std::string& op, Arr<T> x, k::i64 outer, k::i64 r, k::i64 inner) {
    if (outer * r * inner != x.size()) throw std::invalid_argument("reduce: outer*r*inner != size");
    Arr<T> out(outer * inner);
    auto f = ks<T>(isa).reduce[int(op == "sum" ? k::Reduce::Sum : op == "max" ? k::Reduce::Max
                                 : op == "min" ? k::Reduce::Min
                                 : op == "prod" ? k::Reduce::Prod : throw std::invalid_argument("reduce: op " + op))];
    { py::gil_scoped_release rel; f(x.data(), outer, r, inner, out.mutable_data()); }
    return out;
  });
  m.def("scan", [](const std::string& isa, const std::string& op, Arr<T> x, k::i64 outer, k::i64 r,
                   k::i64 inner, bool exclusive, bool reverse) {
    if (outer * r * inner != x.size()) throw std::invalid_argument("scan: outer*r*inner != size");
    Arr<T> out(x.size());
    auto f = op == "cumsum" ? ks<T>(isa).cumsum : op == "cumprod" ? ks<T>(isa).cumprod
                                                  : throw std::invalid_argument("scan: op " + op);
    { py::gil_scoped_release rel; f(x.data(), outer, r, inner, out.mutable_data(), exclusive, reverse); }
    return out;
  });
  m.def("softmax", [](const std::string& isa, Arr<T> x, bool log) {
    if (x.ndim() != 2) throw std::invalid_argument("softmax: 2-D only");
    Arr<T> out(x.request().shape);
    ks<T>(isa).softmax(x.data(), x.shape(0), x.shape(1), out.mutable_data(), log);
    return out;
  });
  m.def("axpy", [](const std::string& isa, T alpha, Arr<T> x, Arr<T> y) {
    if (x.size() != y.size()) throw std::invalid_argument("axpy: sizes differ");
    Arr<T> out(y.request().shape);
    std::copy(y.data(), y.data() + y.size(), out.mutable_data());
    ks<T>(isa).axpy(x.size(), alpha, x.data(), out.mutable_data());
    return out;
  });
  // In place, like Variable.assign_sub: y must be a C-contiguous writable array of this dtype.
  m.def("axpy_inplace", [](const std::string& isa, T alpha, Arr<T> x,
                           py::array_t<T, py::array::c_style> y) {
    if (x.size() != y.size()) throw std::invalid_argument("axpy_inplace: sizes differ");
    auto f = ks<T>(isa).axpy;
    T* py = y.mutable_data();
    { py::gil_scoped_release r; f(x.size(), alpha, x.data(), py); }
  }, py::arg("isa"), py::arg("alpha"), py::arg("x"), py::arg("y").noconvert());
  m.def("act_grad", [](const std::string& isa, const std::string& act, Arr<T> g, Arr<T> y, bool with_bias) {
    if (g.ndim() != 2 || y.ndim() != 2 || g.shape(0) != y.shape(0) || g.shape(1) != y.shape(1))
      throw std::invalid_argument("act_grad: g and y must be 2-D of one shape");
    Arr<T> gout(g.request().shape);
    Arr<T> db(g.shape(1));
    ks<T>(isa).act_grad(act_id(act), g.data(), y.data(), g.shape(0), g.shape(1), gout.mutable_data(),
                        with_bias ? db.mutable_data() : nullptr);
    return py::make_tuple(gout, with_bias ? py::object(db) : py::object(py::none()));
  });
  // C = act(op(A) @ op(B) + bias); A, B are 2-D or 3-D (batched, same batch) C-contiguous.
  // A 2-D operand next to a 3-D one is broadcast over the batch (stride 0).
  m.def("gemm", [](const std::string& isa, Arr<T> a, Arr<T> b, bool ta, bool tb, py::object bias,
                   const std::string& act, py::object c_init) {
    if ((a.ndim() != 2 && a.ndim() != 3) || (b.ndim() != 2 && b.ndim() != 3))
      throw std::invalid_argument("gemm: A and B must be 2-D or 3-D");
    bool batched = a.ndim() == 3 || b.ndim() == 3;
    k::i64 batch = a.ndim() == 3 ? a.shape(0) : b.ndim() == 3 ? b.shape(0) : 1;
    if (a.ndim() == 3 && b.ndim() == 3 && b.shape(0) != batch)
      throw std::invalid_argument("gemm: batch sizes differ");
    int oa = a.ndim() - 2, ob = b.ndim() - 2;
    k::i64 ar = a.shape(oa), ac = a.shape(oa + 1), br = b.shape(ob), bc = b.shape(ob + 1);
    k::i64 m = ta ? ac : ar, kk = ta ? ar : ac, kb = tb ? bc : br, n = tb ? br : bc;
    if (kk != kb) throw std::invalid_argument("gemm: inner dimensions differ");
    std::vector<py::ssize_t> shape = batched ? std::vector<py::ssize_t>{batch, m, n} : std::vector<py::ssize_t>{m, n};
    Arr<T> c(shape);
    bool accumulate = !c_init.is_none();
    if (accumulate) {
      Arr<T> ci = c_init.cast<Arr<T>>();
      if (ci.size() != c.size()) throw std::invalid_argument("gemm: c_init has the wrong size");
      std::copy(ci.data(), ci.data() + ci.size(), c.mutable_data());
    }
    Arr<T> bias_arr;
    const T* bias_ptr = nullptr;
    if (!bias.is_none()) {
      bias_arr = bias.cast<Arr<T>>();
      if (bias_arr.size() != n) throw std::invalid_argument("gemm: bias must have n elements");
      bias_ptr = bias_arr.data();
    }
    k::GemmArgs<T> g{m, n, kk, a.data(), ac, ta, b.data(), bc, tb, c.mutable_data(), n, bias_ptr,
                     act_id(act), accumulate, batch, a.ndim() == 3 ? ar * ac : 0,
                     b.ndim() == 3 ? br * bc : 0, m * n};
    auto f = ks<T>(isa).gemm;
    { py::gil_scoped_release r; f(g); }
    return c;
  }, py::arg("isa"), py::arg("a"), py::arg("b"), py::arg("trans_a") = false, py::arg("trans_b") = false,
     py::arg("bias") = py::none(), py::arg("act") = "none", py::arg("c_init") = py::none());
}

}  // namespace

void bind_kernels_testing(py::module_& parent) {
  py::module_ m = parent.def_submodule("_kernels", "raw per-ISA kernels, for tests only");
  m.def("cpu_supports", [](const std::string& isa) { return k::cpu_supports(isa.c_str()); });
  m.def("isas", [] {
    py::list l;
    for (const char* s : {"scalar", "avx2", "avx512"}) if (k::cpu_supports(s)) l.append(s);
    return l;
  }, "the ISAs this CPU and build can run");
  py::module_ f32 = m.def_submodule("f32"), f64 = m.def_submodule("f64");
  bind_typed<float>(f32);
  bind_typed<double>(f64);
}
