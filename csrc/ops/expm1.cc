// y = exp(x) - 1, accurate near 0 (Note [Expm1] in kernels/elementwise_impl.h).
// dx = grad * exp(x), as TF's Expm1 gradient.
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = multiply(g[0], exp(e.saved[0]));
}
}  // namespace
const OpDef op_expm1{"expm1", vjp};

Tensor expm1(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Expm1, x, "expm1");
  if (should_record({x})) record1(op_expm1, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
