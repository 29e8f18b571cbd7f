// y = Σ_axes x.   dx = broadcast_to(reshape(grad, keepdims shape), x.shape)
#include <algorithm>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = broadcast_to(reshape(g[0], e.attrs.shape_b), e.attrs.shape_a);
}
}  // namespace
const OpDef op_reduce_sum{"reduce_sum", vjp};

Tensor reduce_sum(const Tensor& x, const Axes& axes_in, bool keepdims) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), "reduce_sum");
  Tensor y = detail::reduce_impl(kernels::Reduce::Sum, x, axes, "reduce_sum")
                 .alias(reduced_shape(x.shape(), axes, keepdims));
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    at.shape_b = keepdims_shape(x.shape(), axes);
    record1(op_reduce_sum, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
