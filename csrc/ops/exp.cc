// y = eˣ.   dx = grad * y
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = multiply(g[0], e.saved[0]);
}
}  // namespace
const OpDef op_exp{"exp", vjp};

Tensor exp(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Exp, x, "exp");
  if (should_record({x})) record1(op_exp, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
