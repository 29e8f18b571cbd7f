// y = 1 / √x.   dx = grad * -0.5 * y³, and 0 where grad is 0 (TF's RsqrtGrad: the gradient
// of where(x > 0, rsqrt(x), 0) is 0 at x <= 0, not 0 * inf = NaN).
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  const Tensor d = multiply(multiply(g[0], Tensor::scalar(y.dtype(), -0.5)), multiply(y, square(y)));
  const Tensor zero = Tensor::scalar(y.dtype(), 0.0);
  gin[0] = where(compare(Compare::Equal, g[0], zero, "rsqrt"), zero, d);
}
}  // namespace
const OpDef op_rsqrt{"rsqrt", vjp};

Tensor rsqrt(const Tensor& x) {
  const Tensor s = detail::unary(kernels::Unary::Sqrt, x, "rsqrt");
  Tensor y = detail::binary(kernels::Binary::Div, Tensor::scalar(x.dtype(), 1.0), s, "rsqrt");
  if (should_record({x})) record1(op_rsqrt, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
