// y = g where a >= b else 0 (the gradient mask of maximum/minimum/reduce_max).
//   dg = sum_to(mask_ge(grad, a, b), g)   da = db = 0 (piecewise constant)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  if (needs[0]) gin[0] = detail::unbroadcast(mask_ge(g[0], e.saved[0], e.saved[1]), e.attrs.shape_a);
}
}  // namespace
const OpDef op_mask_ge{"mask_ge", vjp};

Tensor mask_ge(const Tensor& g, const Tensor& a, const Tensor& b) {
  Tensor y = detail::ternary(kernels::Ternary::MaskGe, g, a, b, "mask_ge");
  if (should_record({g, a, b})) {
    Attrs at;
    at.shape_a = g.shape();
    record1(op_mask_ge, {g, a, b}, y, {a, b}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
