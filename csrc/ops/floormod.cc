// c = floormod(a, b) = a - floor(a / b) * b, with the sign of b (tf.math.floormod / mod, a % b;
// Python's % for int32/int64, TF's fmod-based formula for floats; loop in floordiv.cc).
//   da = sum_to(grad, a)   db = sum_to(-grad * floor(a / b), b)   (TF's; floor(a / b) is
//   piecewise constant, so it is a constant of the vjp: second derivatives are zero)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  if (needs[0]) gin[0] = detail::unbroadcast(g[0], a.shape());
  if (needs[1]) gin[1] = detail::unbroadcast(negative(multiply(g[0], floordiv(a, b))), b.shape());
}
}  // namespace
const OpDef op_floormod{"floormod", vjp};

Tensor floormod(const Tensor& a, const Tensor& b) {
  Tensor c = detail::floor_binary(true, a, b, "floormod");
  if (should_record({a, b})) record1(op_floormod, {a, b}, c, {a, b});
  return c;
}
}  // namespace tapegrad::ops
