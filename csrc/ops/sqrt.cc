// y = √x.   dx = grad * 0.5 / y, and 0 where grad is 0 (TF's SqrtGrad: so the gradient of
// where(x > 0, sqrt(x), 0) is 0 at x = 0, not 0 * inf = NaN)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  const Tensor d = divide(multiply(g[0], Tensor::scalar(y.dtype(), 0.5)), y);
  const Tensor zero = Tensor::scalar(y.dtype(), 0.0);
  gin[0] = where(compare(Compare::Equal, g[0], zero, "sqrt"), zero, d);
}
}  // namespace
const OpDef op_sqrt{"sqrt", vjp};

Tensor sqrt(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Sqrt, x, "sqrt");
  if (should_record({x})) record1(op_sqrt, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
