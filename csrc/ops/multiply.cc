// c = a * b.   da = sum_to(grad * b, a)   db = sum_to(grad * a, b)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  if (needs[0]) gin[0] = detail::unbroadcast(multiply(g[0], b), a.shape());
  if (needs[1]) gin[1] = detail::unbroadcast(multiply(g[0], a), b.shape());
}
}  // namespace
const OpDef op_multiply{"multiply", vjp};

Tensor multiply(const Tensor& a, const Tensor& b) {
  Tensor c = detail::binary(kernels::Binary::Mul, a, b, "multiply");
  if (should_record({a, b})) record1(op_multiply, {a, b}, c, {a, b});
  return c;
}
}  // namespace tapegrad::ops
