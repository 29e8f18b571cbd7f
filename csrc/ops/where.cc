// out = x where cond else y (TF 2's where: cond, x and y broadcast together).
// dx = sum_to(where(cond, grad, 0), x)   dy = sum_to(where(cond, 0, grad), y)   (cond: none)
#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor& cond = e.saved[0];
  const Tensor zero = Tensor::scalar(g[0].dtype(), 0.0);
  if (needs[0]) gin[0] = detail::unbroadcast(where(cond, g[0], zero), e.attrs.shape_a);
  if (needs[1]) gin[1] = detail::unbroadcast(where(cond, zero, g[0]), e.attrs.shape_b);
}
}  // namespace
const OpDef op_where{"where", vjp};

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  if (cond.dtype() != DType::Bool)
    throw TypeError(std::string("where: condition must be a bool tensor, got ") + a_dtype(cond.dtype()) + " tensor");
  check_same_dtype(x, y, "where");
  const Shape os = broadcast_shape(broadcast_shape(cond.shape(), x.shape(), "where"), y.shape(),
                                   "where");
  Tensor out = Tensor::empty(x.dtype(), os, "where");
  const i64 n = out.numel();
  if (n > 0) {
    const Tensor c = detail::expand_to(cond, os, "where"), ex = detail::expand_to(x, os, "where"),
                 ey = detail::expand_to(y, os, "where");
    GilRelease nogil(n >= kGilReleaseElems);
    dispatch_all(x.dtype(), [&](auto z) {
      using T = decltype(z);
      const bool* pc = c.data<bool>();
      const T* px = ex.data<T>();
      const T* py = ey.data<T>();
      const i64 sc = detail::stride_of(c), sx = detail::stride_of(ex), sy = detail::stride_of(ey);
      T* o = out.data<T>();
      for (i64 i = 0; i < n; ++i) o[i] = pc[i * sc] ? px[i * sx] : py[i * sy];
    });
  }
  if (should_record({x, y})) {
    Attrs at;
    at.shape_a = x.shape();
    at.shape_b = y.shape();
    record1(op_where, {x, y}, out, {cond}, std::move(at));
  }
  return out;
}
}  // namespace tapegrad::ops
