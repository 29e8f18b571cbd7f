// y = x surrounded by zeros: `before[d]` and `after[d]` zeros in dim d.
//   dx = slice(grad, before, x.shape)
#include <cstring>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Shape& xs = e.attrs.shape_a;
  std::vector<i64> begin(e.attrs.ints.begin(), e.attrs.ints.end()), size(xs.d, xs.d + xs.ndim);
  gin[0] = slice(g[0], begin, size);
}
}  // namespace
const OpDef op_pad{"pad", vjp};

Tensor pad(const Tensor& x, const std::vector<i64>& before, const std::vector<i64>& after) {
  int nd = x.ndim();
  if (static_cast<int>(before.size()) != nd || static_cast<int>(after.size()) != nd)
    throw InvalidArgument("pad: paddings must have one row per dimension of the input (shape " + x.shape().str() + ")");
  Shape ys;
  for (int d = 0; d < nd; ++d) {
    if (before[d] < 0 || after[d] < 0) throw InvalidArgument("pad: paddings must be non-negative");
    // Each term at most kMaxNumel (2^60), so the sum cannot overflow; Tensor::empty rejects
    // a shape that holds too many elements.
    if (before[d] > kMaxNumel || after[d] > kMaxNumel)
      throw InvalidArgument("pad: paddings (" + std::to_string(before[d]) + ", " +
                            std::to_string(after[d]) + ") of dimension " + std::to_string(d) +
                            " make the output too large (input shape " + x.shape().str() + ")");
    ys.push_back(x.shape().d[d] + before[d] + after[d]);
  }
  Tensor y = Tensor::empty(x.dtype(), ys);
  std::memset(y.raw(), 0, y.numel() * itemsize(y.dtype()));
  i64 zero[kMaxDims] = {};
  detail::copy_box(x, zero, y, before.data(), x.shape());
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    for (i64 b : before) at.ints.push_back(b);
    record1(op_pad, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
