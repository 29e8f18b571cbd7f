// y = ln(1 + x), accurate for tiny x.   dx = grad / (1 + x)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  gin[0] = divide(g[0], add(x, Tensor::scalar(x.dtype(), 1.0)));
}
}  // namespace
const OpDef op_log1p{"log1p", vjp};

Tensor log1p(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Log1p, x, "log1p");
  if (should_record({x})) record1(op_log1p, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
