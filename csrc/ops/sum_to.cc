// y = x summed over the dims broadcasting added to reach x from `shape` (the adjoint of
// broadcast_to; every broadcasting op's vjp uses it).   dx = broadcast_to(grad, x.shape)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = broadcast_to(g[0], e.attrs.shape_a);
}
}  // namespace
const OpDef op_sum_to{"sum_to", vjp};

Tensor sum_to(const Tensor& x, const Shape& shape) {
  require_floating(x.dtype(), "sum_to");
  if (x.shape() == shape) return identity(x);
  const Shape& xs = x.shape();
  int lead = xs.ndim - shape.ndim;
  if (lead < 0 || broadcast_shape(xs, shape, "sum_to") != xs)
    throw InvalidArgument("sum_to: cannot sum a tensor of shape " + xs.str() + " to shape " +
                          shape.str());
  std::vector<i64> axes;
  for (int d = 0; d < xs.ndim; ++d)
    if (d < lead || (shape.d[d - lead] == 1 && xs.d[d] != 1)) axes.push_back(d);
  Tensor y = detail::reduce_impl(kernels::Reduce::Sum, x, axes, "sum_to").alias(shape);
  if (should_record({x})) {
    Attrs at;
    at.shape_a = xs;
    record1(op_sum_to, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
