// y = softmax(x) along axis.   dx = (grad - Σ_axis(grad * y)) * y
#include "ops/softmax_common.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  std::vector<i64> axis{e.attrs.ints[0]};
  gin[0] = multiply(subtract(g[0], reduce_sum(multiply(g[0], y), axis, true)), y);
}
}  // namespace
const OpDef op_softmax{"softmax", vjp};

Tensor softmax(const Tensor& x, i64 axis) {
  Tensor y = detail::softmax_rows(x, axis, false, "softmax");
  if (should_record({x})) {
    Attrs at;
    at.ints.push_back(axis);
    record1(op_softmax, {x}, y, {y}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
