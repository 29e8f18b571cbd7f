// y = max(x, 0).   dx = relu_grad(grad, y)  (grad where y > 0; y > 0 exactly where x > 0)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = relu_grad(g[0], e.saved[0]);
}
}  // namespace
const OpDef op_relu{"relu", vjp};

Tensor relu(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Relu, x, "relu");
  if (should_record({x})) record1(op_relu, {x}, y, {y});
  return y;
}
}  // namespace tapegrad::ops
