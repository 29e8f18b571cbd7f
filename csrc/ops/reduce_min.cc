// y = min_axes x.   dx = grad spread evenly over the minima (as TF):
//   m = mask(x == y)   dx = broadcast(grad) * m / Σ_axes m
// Forward and vjp: detail::reduce_extreme and reduce_extreme_vjp (reduce_max.cc).
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  detail::reduce_extreme_vjp(e, g, gin, true);
}
}  // namespace
const OpDef op_reduce_min{"reduce_min", vjp};

Tensor reduce_min(const Tensor& x, const Axes& axes, bool keepdims) {
  return detail::reduce_extreme(kernels::Reduce::Min, op_reduce_min, x, axes, keepdims, "reduce_min");
}
}  // namespace tapegrad::ops
