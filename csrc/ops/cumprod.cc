// y = the running product of x along `axis` (exclusive: without the element itself; reverse:
// from the end), as tf.math.cumprod.
//   dx = div_no_nan(cumsum(y * grad, axis, exclusive, !reverse), x)   (TF 2's rule: 0 where x
//   is 0, which is not the derivative there but keeps NaN out; it also makes the second
//   derivative of reduce_prod, built from exclusive cumprods, finite at zeros, as TF's)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const Tensor& y = e.saved[1];
  const bool exclusive = e.attrs.ints[1] != 0, reverse = e.attrs.ints[2] != 0;
  const Tensor num = cumsum(multiply(y, g[0]), e.attrs.ints[0], exclusive, !reverse);
  const Tensor z = Tensor::scalar(x.dtype(), 0.0), one = Tensor::scalar(x.dtype(), 1.0);
  const Tensor zero = compare(Compare::Equal, x, z, "cumprod");
  gin[0] = where(zero, z, divide(num, where(zero, one, x)));
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
