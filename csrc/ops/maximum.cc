// c = max(a, b).   da = sum_to(grad where a >= b, a)   db = sum_to(grad where b > a, b)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  if (needs[0]) gin[0] = detail::unbroadcast(mask_ge(g[0], a, b), a.shape());
  if (needs[1]) gin[1] = detail::unbroadcast(mask_gt(g[0], b, a), b.shape());
}
}  // namespace
const OpDef op_maximum{"maximum", vjp};

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor c = detail::binary(kernels::Binary::Max, a, b, "maximum");
  if (should_record({a, b})) record1(op_maximum, {a, b}, c, {a, b});
  return c;
}
}  // namespace tapegrad::ops
