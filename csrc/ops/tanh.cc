// y = tanh x.   dx = grad * (1 - y²)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  gin[0] = multiply(g[0], subtract(Tensor::scalar(y.dtype(), 1.0), square(y)));
}
}  // namespace
const OpDef op_tanh{"tanh", vjp};

Tensor tanh(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Tanh, x, "tanh");
  if (should_record({x})) record1(op_tanh, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
