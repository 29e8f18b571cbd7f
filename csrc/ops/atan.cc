// y = atan x.   dx = grad / (1 + x^2)   (kernels: Note [Atan])
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  gin[0] = divide(g[0], add(Tensor::scalar(x.dtype(), 1.0), square(x)));
}
}  // namespace
const OpDef op_atan{"atan", vjp};

Tensor atan(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Atan, x, "atan");
  if (should_record({x})) record1(op_atan, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
