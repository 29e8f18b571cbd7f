// c = a + b.   da = sum_to(grad, a)   db = sum_to(grad, b)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  if (needs[0]) gin[0] = detail::unbroadcast(g[0], e.attrs.shape_a);
  if (needs[1]) gin[1] = detail::unbroadcast(g[0], e.attrs.shape_b);
}
}  // namespace
const OpDef op_add{"add", vjp};

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor c = detail::binary(kernels::Binary::Add, a, b, "add");
  if (should_record({a, b})) {
    Attrs at;
    at.shape_a = a.shape();
    at.shape_b = b.shape();
    record1(op_add, {a, b}, c, {}, std::move(at));
  }
  return c;
}
}  // namespace tapegrad::ops
