// c = aᵇ.   da = sum_to(grad * b * a^(b-1), a)
//           db = sum_to(grad * c * log(a), b), with log(a) taken as 0 where a <= 0 (as TF)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  DType dt = a.dtype();
  if (needs[0]) {
    Tensor d = multiply(b, pow(a, subtract(b, Tensor::scalar(dt, 1.0))));
    gin[0] = detail::unbroadcast(multiply(g[0], d), a.shape());
  }
  if (needs[1]) {
    const Tensor& c = e.saved[2];
    Tensor zero = Tensor::scalar(dt, 0.0);
    // where(a > 0, log(a), 0) == log(mask_gt(a, a, 0) + mask_ge(1, 0, a)) without NaN traps
    Tensor safe_a = add(mask_gt(a, a, zero), mask_ge(Tensor::scalar(dt, 1.0), zero, a));
    gin[1] = detail::unbroadcast(multiply(g[0], multiply(c, log(safe_a))), b.shape());
  }
}
}  // namespace
const OpDef op_pow{"pow", vjp};

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor c = detail::binary(kernels::Binary::Pow, a, b, "pow");
  if (should_record({a, b})) record1(op_pow, {a, b}, c, {a, b, c});
  return c;
}
}  // namespace tapegrad::ops
