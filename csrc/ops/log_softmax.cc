// y = log_softmax(x) = x - logΣexp(x) along axis.   dx = grad - exp(y) * Σ_axis grad
#include "ops/softmax_common.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& y = e.saved[0];
  std::vector<i64> axis{e.attrs.ints[0]};
  gin[0] = subtract(g[0], multiply(exp(y), reduce_sum(g[0], axis, true)));
}
}  // namespace
const OpDef op_log_softmax{"log_softmax", vjp};

Tensor log_softmax(const Tensor& x, i64 axis) {
  Tensor y = detail::softmax_rows(x, axis, true, "log_softmax");
  if (should_record({x})) {
    Attrs at;
    at.ints.push_back(axis);
    record1(op_log_softmax, {x}, y, {y}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
