// y = ln x.   dx = grad / x
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = divide(g[0], e.saved[0]);
}
}  // namespace
const OpDef op_log{"log", vjp};

Tensor log(const Tensor& x) {
  Tensor y = detail::unary(kernels::Unary::Log, x, "log");
  if (should_record({x})) record1(op_log, {x}, y, {x});
  return y;
}
}  // namespace tapegrad::ops
