// y = -x.   dx = -grad
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry&, const Tensor* g, Tensor* gin, const bool*) { gin[0] = negative(g[0]); }
}  // namespace
const OpDef op_negative{"negative", vjp};

Tensor negative(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Neg, x, "negative");
  if (should_record({x})) record1(op_negative, {x}, y);
  return y;
}
}  // namespace tapegrad::ops
