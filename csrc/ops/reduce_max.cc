// y = max_axes x.   dx = grad spread evenly over the maxima (as TF):
//   m = mask(x == y)   dx = broadcast(grad) * m / Σ_axes m
// The forward and vjp are shared with reduce_min (reduce_min.cc), which mirrors the masks.
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  detail::reduce_extreme_vjp(e, g, gin, false);
}
}  // namespace
const OpDef op_reduce_max{"reduce_max", vjp};

Tensor reduce_max(const Tensor& x, const Axes& axes, bool keepdims) {
  return detail::reduce_extreme(kernels::Reduce::Max, op_reduce_max, x, axes, keepdims, "reduce_max");
}

namespace detail {
void reduce_extreme_vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, bool is_min) {
  const Tensor &x = e.saved[0], &y = e.saved[1];
  const Shape& kshape = e.attrs.shape_b;
  Tensor yk = reshape(y, kshape);
  Tensor gk = reshape(g[0], kshape);
  // The entries equal to the extreme: x >= max (or min >= x), one 1 each, counted per group.
  const Tensor& hi = is_min ? yk : x;
  const Tensor& lo = is_min ? x : yk;
  Tensor count = reduce_sum(mask_ge(Tensor::scalar(x.dtype(), 1.0), hi, lo),
                            std::vector<i64>(e.attrs.ints.begin(), e.attrs.ints.end()), true);
  gin[0] = mask_ge(divide(gk, count), hi, lo);
}

Tensor reduce_extreme(kernels::Reduce k, const OpDef& op, const Tensor& x, const Axes& axes_in,
                      bool keepdims, const char* name) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), name);
  Tensor y = reduce_impl(k, x, axes, name).alias(reduced_shape(x.shape(), axes, keepdims));
  if (should_record({x})) {
    Attrs at;
    at.shape_b = keepdims_shape(x.shape(), axes);
    for (i64 a : axes) at.ints.push_back(a);
    record1(op, {x}, y, {x, y}, std::move(at));
  }
  return y;
}
}  // namespace detail
}  // namespace tapegrad::ops
