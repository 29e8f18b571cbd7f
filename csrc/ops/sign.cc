// y = sign(x).   dx = 0: piecewise constant, so no gradient flows (None, as TF's Sign).
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry&, const Tensor*, Tensor*, const bool*) {}
}  // namespace
const OpDef op_sign{"sign", vjp};

Tensor sign(const Tensor& x) { return detail::unary(kernels::Unary::Sign, x, "sign"); }
}  // namespace tapegrad::ops
