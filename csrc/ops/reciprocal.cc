// y = 1 / x.   dx = -grad * y², and 0 where grad is 0 (TF's ReciprocalGrad: the gradient of
// where(x != 0, reciprocal(x), 0) is 0 at x = 0, not 0 * inf = NaN).
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  const Tensor d = negative(multiply(g[0], square(y)));
  const Tensor zero = Tensor::scalar(y.dtype(), 0.0);
  gin[0] = where(compare(Compare::Equal, g[0], zero, "reciprocal"), zero, d);
}
}  // namespace
const OpDef op_reciprocal{"reciprocal", vjp};

Tensor reciprocal(const Tensor& x) {
  Tensor y = detail::binary(kernels::Binary::Div, Tensor::scalar(x.dtype(), 1.0), x, "reciprocal");
  if (should_record({x})) record1(op_reciprocal, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
