// y = x converted to `dtype`.   dx = cast(grad, x.dtype)
#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = cast(g[0], static_cast<DType>(e.attrs.ints[0]));
}
}  // namespace
const OpDef op_cast{"cast", vjp};

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return identity(x);
  Tensor y = Tensor::empty(dtype, x.shape(), "cast");
  i64 n = x.numel();
  {
    GilRelease nogil(n >= kGilReleaseElems);
    if (dtype == DType::Float64) {
      const float* s = x.data<float>();
      double* d = y.data<double>();
      for (i64 i = 0; i < n; ++i) d[i] = s[i];
    } else {
      const double* s = x.data<double>();
      float* d = y.data<float>();
      for (i64 i = 0; i < n; ++i) d[i] = static_cast<float>(s[i]);
    }
  }
  if (should_record({x})) {
    Attrs at;
    at.ints.push_back(static_cast<i64>(x.dtype()));
    record1(op_cast, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
