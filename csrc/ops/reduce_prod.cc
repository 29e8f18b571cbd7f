// y = Π_axes x.   dx = grad * (the product of the other elements of x's group), as TF: with
// the reduced axes moved to the front and x seen as [rows, cols],
//   dx = reshape(grad, [1, cols]) * cumprod(x, exclusive) * cumprod(x, exclusive, reverse)
// so there is no division and dx stays finite where x has zeros (one zero: the others' product
// there, 0 elsewhere). Built from recorded ops, so it differentiates again.
#include <algorithm>
#include <numeric>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const int nd = x.ndim();
  const std::vector<i64> axes(e.attrs.ints.begin(), e.attrs.ints.end());
  std::vector<i64> perm(axes.begin(), axes.end());
  i64 rows = 1, cols = 1;
  for (i64 a : axes) rows *= x.shape()[static_cast<int>(a)];
  for (int d = 0; d < nd; ++d)
    if (!std::binary_search(axes.begin(), axes.end(), static_cast<i64>(d))) {
      perm.push_back(d);
      cols *= x.shape()[d];
    }
  std::vector<i64> identity(nd);
  std::iota(identity.begin(), identity.end(), i64(0));
  const bool moved = perm != identity;
  Tensor xt = moved ? transpose(x, perm) : x;
  Tensor flat = reshape(xt, std::vector<i64>{rows, cols});
  Tensor others = multiply(cumprod(flat, 0, true, false), cumprod(flat, 0, true, true));
  Tensor gflat = multiply(reshape(g[0], std::vector<i64>{1, cols}), others);
  std::vector<i64> tshape(xt.shape().d, xt.shape().d + nd);
  Tensor gt = reshape(gflat, tshape);
  if (!moved) {
    gin[0] = gt;
    return;
  }
  std::vector<i64> inverse(nd);
  for (int d = 0; d < nd; ++d) inverse[static_cast<std::size_t>(perm[d])] = d;
  gin[0] = transpose(gt, inverse);
}
}  // namespace
const OpDef op_reduce_prod{"reduce_prod", vjp};

Tensor reduce_prod(const Tensor& x, const Axes& axes_in, bool keepdims) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), "reduce_prod");
  Tensor y = detail::reduce_impl(kernels::Reduce::Prod, x, axes, "reduce_prod")
                 .alias(reduced_shape(x.shape(), axes, keepdims));
  if (is_floating(x.dtype()) && should_record({x})) {
    Attrs at;
    for (i64 a : axes) at.ints.push_back(a);
    record1(op_reduce_prod, {x}, y, {x}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
