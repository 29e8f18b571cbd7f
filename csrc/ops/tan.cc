// y = tan x.   dx = grad / cos^2 x, as TensorFlow   (kernels: Note [Sin and cos])
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = divide(g[0], square(cos(e.saved[0])));
}
}  // namespace
const OpDef op_tan{"tan", vjp};

Tensor tan(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Tan, x, "tan");
  if (should_record({x})) record1(op_tan, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
