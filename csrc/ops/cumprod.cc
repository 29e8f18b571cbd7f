// y = the running product of x along `axis` (exclusive: without the element itself; reverse:
// from the end), as tf.math.cumprod.
//   dx = cumsum(y * grad, axis, exclusive, !reverse) / x   (TF's rule: inf or NaN where x is 0,
//   as TF; reduce_prod's gradient avoids the division, see math.reduce_prod)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const Tensor& y = e.saved[1];
  const bool exclusive = e.attrs.ints[1] != 0, reverse = e.attrs.ints[2] != 0;
  gin[0] = divide(cumsum(multiply(y, g[0]), e.attrs.ints[0], exclusive, !reverse), x);
}
}  // namespace
const OpDef op_cumprod{"cumprod", vjp};

Tensor cumprod(const Tensor& x, i64 axis, bool exclusive, bool reverse) {
  Tensor y = scan(x, axis, exclusive, reverse, true, "cumprod");
  if (is_floating(x.dtype()) && should_record({x}))
    record1(op_cumprod, {x}, y, {x, y}, scan_attrs(x, axis, exclusive, reverse, "cumprod"));
  return y;
}
}  // namespace tapegrad::ops
