// argmax / argmin along one axis: the first index of the extreme, NaN skipped (0 when all are
// NaN), as TF's CPU kernel (tf.argmax([nan, 1.]) is 1; numpy's argmax would say 0). No gradient
// (an integer result).
#include <cmath>

#include "ops/elementwise.h"

namespace tapegrad::ops {

Tensor arg_extreme(bool is_min, const Tensor& x, i64 axis, DType out_dtype) {
  const char* op = is_min ? "argmin" : "argmax";
  if (out_dtype != DType::Int32 && out_dtype != DType::Int64)
    throw TypeError(std::string(op) + ": output_type must be int32 or int64, got " +
                    dtype_name(out_dtype));
  require_numeric(x.dtype(), op);
  const int nd = x.ndim();
  const i64 a = single_axis(x, axis, op);
  const Shape& s = x.shape();
  const i64 r = s.d[a];
  Shape os;
  i64 outer = 1, inner = 1;
  for (int d = 0; d < nd; ++d) {
    if (d < a) outer *= s.d[d];
    if (d > a) inner *= s.d[d];
    if (d != a) os.push_back(s.d[d]);
  }
  if (r == 0 && outer * inner > 0)
    throw InvalidArgument(std::string(op) + ": reduction axis " + std::to_string(axis) +
                          " is empty in shape " + s.str());
  Tensor out = Tensor::empty(out_dtype, os, op);
  dispatch_all(x.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* p = x.data<T>();
      for (i64 o = 0; o < outer; ++o)
        for (i64 i = 0; i < inner; ++i) {
          const T* q = p + o * r * inner + i;
          i64 best = 0;
          T bv = q[0];
          for (i64 k = 1; k < r; ++k) {
            const T v = q[k * inner];
            bool better;
            if constexpr (std::is_floating_point_v<T>) {
              better = (std::isnan(bv) && !std::isnan(v)) || (is_min ? v < bv : v > bv);
            } else {
              better = is_min ? v < bv : v > bv;
            }
            if (better) { best = k; bv = v; }
          }
          const i64 at = o * inner + i;
          if (out_dtype == DType::Int32) out.data<std::int32_t>()[at] = static_cast<std::int32_t>(best);
          else out.data<std::int64_t>()[at] = best;
        }
    }
  });
  return out;
}

}  // namespace tapegrad::ops
