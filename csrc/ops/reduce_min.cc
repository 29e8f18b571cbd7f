// y = min_axes x.   dx = grad spread evenly over the minima (as TF):
//   m = mask(x == y)   dx = broadcast(grad) * m / Σ_axes m
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor &x = e.saved[0], &y = e.saved[1];
  const Shape& kshape = e.attrs.shape_b;
  Tensor yk = reshape(y, kshape);
  Tensor gk = reshape(g[0], kshape);
  // min >= x  <=>  x == min
  Tensor count = reduce_sum(mask_ge(Tensor::scalar(x.dtype(), 1.0), yk, x),
                            std::vector<i64>(e.attrs.ints.begin(), e.attrs.ints.end()), true);
  gin[0] = mask_ge(divide(gk, count), yk, x);
}
}  // namespace
const OpDef op_reduce_min{"reduce_min", vjp};

Tensor reduce_min(const Tensor& x, const Axes& axes_in, bool keepdims) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), "reduce_min");
  Tensor y = detail::reduce_impl(kernels::Reduce::Min, x, axes, "reduce_min")
                 .alias(reduced_shape(x.shape(), axes, keepdims));
  if (should_record({x})) {
    Attrs at;
    at.shape_b = keepdims_shape(x.shape(), axes);
    for (i64 a : axes) at.ints.push_back(a);
    record1(op_reduce_min, {x}, y, {x, y}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
