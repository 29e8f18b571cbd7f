// y = cos x.   dx = -grad * sin x   (kernels: Note [Sin and cos])
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = negative(multiply(g[0], sin(e.saved[0])));
}
}  // namespace
const OpDef op_cos{"cos", vjp};

Tensor cos(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Cos, x, "cos");
  if (should_record({x})) record1(op_cos, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
