// y = x[begin : begin + size] (per dim; size -1 = to the end).
//   dx = pad(grad, begin, x.shape - begin - size)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Shape& xs = e.attrs.shape_a;
  std::vector<i64> before(xs.ndim), after(xs.ndim);
  for (int d = 0; d < xs.ndim; ++d) {
    before[d] = e.attrs.ints[d];
    after[d] = xs.d[d] - before[d] - g[0].shape().d[d];
  }
  gin[0] = pad(g[0], before, after);
}
}  // namespace
const OpDef op_slice{"slice", vjp};

Tensor slice(const Tensor& x, const std::vector<i64>& begin, const std::vector<i64>& size) {
  int nd = x.ndim();
  if (static_cast<int>(begin.size()) != nd || static_cast<int>(size.size()) != nd)
    throw InvalidArgument("slice: begin and size must have one entry per dimension of the input (shape " + x.shape().str() + ")");
  Shape ys;
  for (int d = 0; d < nd; ++d) {
    const i64 n = x.shape().d[d], b = begin[d];
    const bool begin_ok = b >= 0 && b <= n;  // then n - b cannot overflow
    const i64 len = size[d] == -1 && begin_ok ? n - b : size[d];
    if (!begin_ok || len < 0 || len > n - b)
      throw InvalidArgument("slice: expected begin and size to lie within the input of shape " +
                            x.shape().str() + " in dimension " + std::to_string(d) +
                            ", got begin " + std::to_string(begin[d]) + " size " + std::to_string(size[d]));
    ys.push_back(len);
  }
  Tensor y = Tensor::empty(x.dtype(), ys, "slice");
  i64 zero[kMaxDims] = {};
  detail::copy_box(x, begin.data(), y, zero, ys);
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    for (i64 b : begin) at.ints.push_back(b);
    record1(op_slice, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
