// y = sign(x).   dx = 0 (piecewise constant): zeros, not None, as TF's Sign gradient; so the
// second derivative of abs (grad * sign(x)) is zeros too.
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry&, const Tensor* g, Tensor* gin, const bool*) { gin[0] = zeros_like(g[0]); }
}  // namespace
const OpDef op_sign{"sign", vjp};

Tensor sign(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Sign, x, "sign");
  if (should_record({x})) record1(op_sign, {x}, y, {});
  return y;
}
}  // namespace tapegrad::ops
