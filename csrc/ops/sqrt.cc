// y = √x.   dx = grad * 0.5 / y
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  gin[0] = divide(multiply(g[0], Tensor::scalar(y.dtype(), 0.5)), y);
}
}  // namespace
const OpDef op_sqrt{"sqrt", vjp};

Tensor sqrt(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Sqrt, x, "sqrt");
  if (should_record({x})) record1(op_sqrt, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
