// y = 1 / (1 + e⁻ˣ).   dx = grad * y * (1 - y)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  gin[0] = multiply(g[0], multiply(y, subtract(Tensor::scalar(y.dtype(), 1.0), y)));
}
}  // namespace
const OpDef op_sigmoid{"sigmoid", vjp};

Tensor sigmoid(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Sigmoid, x, "sigmoid");
  if (should_record({x})) record1(op_sigmoid, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
