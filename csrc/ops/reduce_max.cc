// y = max_axes x.   dx = grad spread evenly over the maxima (as TF):
//   m = mask(x == y)   dx = broadcast(grad) * m / Σ_axes m
#include <algorithm>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor &x = e.saved[0], &y = e.saved[1];
  const Shape& kshape = e.attrs.shape_b;
  Tensor yk = reshape(y, kshape);
  Tensor gk = reshape(g[0], kshape);
  // x >= max  <=>  x == max
  Tensor count = reduce_sum(mask_ge(Tensor::scalar(x.dtype(), 1.0), x, yk),
                            std::vector<i64>(e.attrs.ints.begin(), e.attrs.ints.end()), true);
  gin[0] = mask_ge(divide(gk, count), x, yk);
}
}  // namespace
const OpDef op_reduce_max{"reduce_max", vjp};

Tensor reduce_max(const Tensor& x, const Axes& axes_in, bool keepdims) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), "reduce_max");
  Tensor y = detail::reduce_impl(kernels::Reduce::Max, x, axes, "reduce_max")
                 .alias(reduced_shape(x.shape(), axes, keepdims));
  if (should_record({x})) {
    Attrs at;
    at.shape_b = keepdims_shape(x.shape(), axes);
    for (i64 a : axes) at.ints.push_back(a);
    record1(op_reduce_max, {x}, y, {x, y}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
