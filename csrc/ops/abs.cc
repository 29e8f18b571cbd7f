// y = |x|.   dx = grad * sign(x)   (0 at x = 0, as TF)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = multiply(g[0], sign(e.saved[0]));
}
}  // namespace
const OpDef op_abs{"abs", vjp};

Tensor abs(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Abs, x, "abs");
  if (should_record({x})) record1(op_abs, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
