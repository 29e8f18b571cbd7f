// Functions built from other ops: no ops.def row, their gradient is their ops' gradients.
#include <algorithm>
#include <cmath>

#include "ops/elementwise.h"

namespace tapegrad::ops {

Tensor stop_gradient(const Tensor& x) { return x.alias(x.shape()); }  // never recorded

Tensor zeros_like(const Tensor& x) { return Tensor::full(x.dtype(), x.shape(), 0.0); }
Tensor ones_like(const Tensor& x) { return Tensor::full(x.dtype(), x.shape(), 1.0); }

Tensor expand_dims(const Tensor& x, i64 axis) {
  int nd = x.ndim();
  i64 a = axis < 0 ? axis + nd + 1 : axis;
  if (a < 0 || a > nd)
    throw InvalidArgument("expand_dims: axis " + std::to_string(axis) +
                          " is out of range for a tensor of rank " + std::to_string(nd));
  if (nd == kMaxDims)
    throw ValueError("expand_dims: tapegrad supports tensors of rank at most " +
                     std::to_string(kMaxDims) + ", got shape " + x.shape().str());
  Shape s;
  for (int d = 0; d < nd; ++d) {
    if (d == a) s.push_back(1);
    s.push_back(x.shape().d[d]);
  }
  if (a == nd) s.push_back(1);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, const std::vector<i64>& axes_in) {
  const Shape& xs = x.shape();
  std::vector<i64> axes = normalize_axes(axes_in, xs.ndim, "squeeze");
  for (i64 a : axes)
    if (xs.d[a] != 1)
      throw InvalidArgument("squeeze: can not squeeze dim[" + std::to_string(a) +
                            "], expected a dimension of 1, got " + std::to_string(xs.d[a]) +
                            " (shape " + xs.str() + ")");
  Shape s;
  for (int d = 0; d < xs.ndim; ++d) {
    bool drop = axes.empty() ? xs.d[d] == 1
                             : std::binary_search(axes.begin(), axes.end(), static_cast<i64>(d));
    if (!drop) s.push_back(xs.d[d]);
  }
  return reshape(x, s);
}

Tensor stack(const std::vector<Tensor>& values, i64 axis) {
  if (values.empty()) throw ValueError("stack: expected a non-empty list of tensors");
  for (std::size_t i = 1; i < values.size(); ++i) check_same_dtype(values[0], values[i], "stack");
  for (std::size_t i = 1; i < values.size(); ++i)
    if (values[i].shape() != values[0].shape())
      throw InvalidArgument("stack: shapes of all inputs must match: values[0].shape = " +
                            values[0].shape().str() + " != values[" + std::to_string(i) +
                            "].shape = " + values[i].shape().str());
  int nd = values[0].ndim();
  if (axis < -(nd + 1) || axis > nd)
    throw InvalidArgument("stack: axis " + std::to_string(axis) + " is out of range [" +
                          std::to_string(-(nd + 1)) + ", " + std::to_string(nd + 1) + ")");
  i64 a = axis < 0 ? axis + nd + 1 : axis;
  std::vector<Tensor> expanded;
  for (const Tensor& v : values) expanded.push_back(expand_dims(v, a));
  return concat(expanded, a);
}

Tensor clip_by_value(const Tensor& x, const Tensor& lo, const Tensor& hi) {
  // As TF: minimum first, then maximum; a gradient flows where lo <= x <= hi.
  check_same_dtype(x, lo, "clip_by_value");
  check_same_dtype(x, hi, "clip_by_value");
  broadcast_shape(broadcast_shape(x.shape(), hi.shape(), "clip_by_value"), lo.shape(), "clip_by_value");
  Tensor r = maximum(minimum(x, hi), lo);
  if (r.shape() != x.shape())
    throw InvalidArgument("clip_by_value: clip values of shapes " + lo.shape().str() + " and " +
                          hi.shape().str() + " broadcast the input of shape " + x.shape().str() +
                          " to " + r.shape().str());
  return r;
}

Tensor clip_by_norm(const Tensor& x, const Tensor& clip_norm, const std::vector<i64>& axes) {
  // TF's formula, safe at zero norm: x * c / max(‖x‖, c).
  DType dt = x.dtype();
  Axes ax = axes.empty() ? Axes{} : Axes{axes};
  Tensor l2sum = reduce_sum(multiply(x, x), ax, true);
  Tensor zero = Tensor::scalar(dt, 0.0), one = Tensor::scalar(dt, 1.0);
  // pred = l2sum > 0; l2sum_safe = pred ? l2sum : 1; l2norm = pred ? sqrt(l2sum_safe) : l2sum
  Tensor safe = add(mask_gt(l2sum, l2sum, zero), mask_ge(one, zero, l2sum));
  Tensor l2norm = mask_gt(sqrt(safe), l2sum, zero);
  Tensor c = cast(clip_norm, dt);
  return divide(multiply(x, c), maximum(l2norm, c));
}

}  // namespace tapegrad::ops
