// y = x broadcast to `shape`.   dx = sum_to(grad, x.shape)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = sum_to(g[0], e.attrs.shape_a);
}
}  // namespace
const OpDef op_broadcast_to{"broadcast_to", vjp};

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return identity(x);
  Shape b = broadcast_shape(x.shape(), shape, "broadcast_to");
  if (b != shape)
    throw InvalidArgument("broadcast_to: cannot broadcast a tensor of shape " + x.shape().str() +
                          " to shape " + shape.str());
  Tensor y = detail::broadcast_copy(x, shape, "broadcast_to");
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    record1(op_broadcast_to, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
