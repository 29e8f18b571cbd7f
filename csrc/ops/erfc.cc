// y = erfc x = 1 - erf x, computed without the cancellation (Note [Erfc]).
//   dx = -grad * 2/sqrt(pi) * exp(-x^2)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const double minus_two_over_sqrt_pi = -1.1283791670955126;
  gin[0] = multiply(g[0], multiply(Tensor::scalar(x.dtype(), minus_two_over_sqrt_pi), exp(negative(square(x)))));
}
}  // namespace
const OpDef op_erfc{"erfc", vjp};

Tensor erfc(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Erfc, x, "erfc");
  if (should_record({x})) record1(op_erfc, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
