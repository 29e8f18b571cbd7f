// one_hot(indices, depth): a new axis of size depth holding on_value at each index and
// off_value elsewhere; an index outside [0, depth) gives an all-off row (as TF). No gradient.
#include <algorithm>

#include "ops/elementwise.h"

namespace tapegrad::ops {

Tensor one_hot(const Tensor& given, i64 depth, const Tensor& on, const Tensor& off, i64 axis) {
  check_same_dtype(on, off, "one_hot");
  // TF's OneHot also takes uint8 indices (gather and the segment ops do not).
  const Tensor indices = given.dtype() == DType::UInt8 ? cast(given, DType::Int32) : given;
  const DType dtype = on.dtype();
  if (on.numel() != 1 || off.numel() != 1)
    throw InvalidArgument("one_hot: on_value and off_value must be scalars, got shapes " +
                          on.shape().str() + " and " + off.shape().str());
  detail::require_indices(indices, "one_hot", "indices");
  if (depth < 0) throw InvalidArgument("one_hot: depth must be >= 0, got " + std::to_string(depth));
  const int nd = indices.ndim();
  if (axis < -1 || axis > nd)
    throw InvalidArgument("one_hot: axis must be -1 or in [0, " + std::to_string(nd) + "], got " +
                          std::to_string(axis));
  const int a = axis == -1 ? nd : static_cast<int>(axis);
  Shape os;
  i64 outer = 1, inner = 1;
  for (int d = 0; d < nd; ++d) {
    if (d == a) os.push_back(depth);
    os.push_back(indices.shape().d[d]);
    (d < a ? outer : inner) *= indices.shape().d[d];
  }
  if (a == nd) os.push_back(depth);
  Tensor out = Tensor::empty(dtype, os, "one_hot");
  dispatch_all(dtype, [&](auto z) {
    using T = decltype(z);
    T* o = out.data<T>();
    const T v = *on.data<T>();
    std::fill(o, o + out.numel(), *off.data<T>());
    for (i64 p = 0; p < outer; ++p)
      for (i64 q = 0; q < inner; ++q) {
        const i64 k = detail::index_at(indices, p * inner + q);
        if (k >= 0 && k < depth) o[(p * depth + k) * inner + q] = v;
      }
  });
  return out;
}

}  // namespace tapegrad::ops
