// y = erf x = 2/sqrt(pi) * integral_0^x exp(-t^2) dt.   dx = grad * 2/sqrt(pi) * exp(-x^2)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const double two_over_sqrt_pi = 1.1283791670955126;
  gin[0] = multiply(g[0], multiply(Tensor::scalar(x.dtype(), two_over_sqrt_pi), exp(negative(square(x)))));
}
}  // namespace
const OpDef op_erf{"erf", vjp};

Tensor erf(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Erf, x, "erf");
  if (should_record({x})) record1(op_erf, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
