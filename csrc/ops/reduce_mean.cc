// y = mean_axes x = Σ x / n.   dx = broadcast_to(reshape(grad, keepdims shape), x.shape) / n
// (int32/int64: the integer mean, truncated, as TF; no gradient.)
#include <cmath>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
// As TF: the integer sum divided by the count in integer arithmetic, rounding toward zero.
// int32 and uint8 sum in int64 as TF's (the mean of [2**31 - 1, 2**31 - 1] is 2**31 - 1,
// of uint8 [200, 100, 3] is 101); an int64 sum wraps. A mean over no elements is 0, as TF's.
Tensor int_mean(const Tensor& x, const std::vector<i64>& axes, i64 count, bool keepdims) {
  const Shape out_shape = reduced_shape(x.shape(), axes, keepdims);
  if (count == 0) return Tensor::full(x.dtype(), out_shape, 0.0, "reduce_mean");  // TF's 0
  if (axes.empty()) return x.alias(out_shape);  // count 1: x
  const Tensor wide = x.dtype() == DType::Int64 ? x : cast(x, DType::Int64);
  Tensor s = detail::int_reduce(kernels::Reduce::Sum, wide, axes, "reduce_mean");  // a new buffer
  std::int64_t* p = s.data<std::int64_t>();
  for (i64 i = 0; i < s.numel(); ++i) p[i] /= count;
  return (x.dtype() == DType::Int64 ? s : cast(s, x.dtype())).alias(out_shape);
}

void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  Tensor b = broadcast_to(reshape(g[0], e.attrs.shape_b), e.attrs.shape_a);
  gin[0] = multiply(b, Tensor::scalar(b.dtype(), e.attrs.f));
}
}  // namespace
const OpDef op_reduce_mean{"reduce_mean", vjp};

Tensor reduce_mean(const Tensor& x, const Axes& axes_in, bool keepdims) {
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), "reduce_mean");
  i64 count = 1;
  for (i64 a : axes) count *= x.shape().d[a];
  if (is_integer(x.dtype())) return int_mean(x, axes, count, keepdims);
  require_floating(x.dtype(), "reduce_mean");
  double scale = count > 0 ? 1.0 / static_cast<double>(count) : std::nan("");
  Shape out_shape = reduced_shape(x.shape(), axes, keepdims);
  Tensor y;
  if (axes.empty()) {
    y = x.alias(out_shape);
  } else {
    Tensor s = detail::reduce_impl(kernels::Reduce::Sum, x, axes, "reduce_mean");
    // s is a fresh buffer nobody else sees yet: scale it in place.
    dispatch_dtype(x.dtype(), [&](auto t) {
      using T = decltype(t);
      T* p = s.data<T>();
      for (i64 i = 0; i < s.numel(); ++i) p[i] = static_cast<T>(p[i] * scale);
    });
    y = s.alias(out_shape);
  }
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    at.shape_b = keepdims_shape(x.shape(), axes);
    at.f = scale;
    record1(op_reduce_mean, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
