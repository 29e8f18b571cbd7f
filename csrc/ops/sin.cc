// y = sin x.   dx = grad * cos x   (kernels: Note [Sin and cos])
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = multiply(g[0], cos(e.saved[0]));
}
}  // namespace
const OpDef op_sin{"sin", vjp};

Tensor sin(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Sin, x, "sin");
  if (should_record({x})) record1(op_sin, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
