// y = x².   dx = grad * 2x
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  gin[0] = multiply(g[0], multiply(Tensor::scalar(x.dtype(), 2.0), x));
}
}  // namespace
const OpDef op_square{"square", vjp};

Tensor square(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Square, x, "square");
  if (should_record({x})) record1(op_square, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
