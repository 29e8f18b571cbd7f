// y = x (a new tensor sharing x's buffer).   dx = grad
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry&, const Tensor* g, Tensor* gin, const bool*) { gin[0] = g[0]; }
}  // namespace
const OpDef op_identity{"identity", vjp};

Tensor identity(const Tensor& x) {
  Tensor y = x.alias(x.shape());
  if (should_record({x})) record1(op_identity, {x}, y);
  return y;
}
}  // namespace tapegrad::ops
