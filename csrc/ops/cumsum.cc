// y = the running sum of x along `axis` (exclusive: without the element itself; reverse: from
// the end), as tf.math.cumsum.   dx = cumsum(grad, axis, exclusive, !reverse)
// Float tensors run the per-ISA scan kernel (Note [Scans]); int32/int64 wrap on overflow, as
// TF (no gradient: an integer result). scan() is cumprod's forward too.
#include <type_traits>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = cumsum(g[0], e.attrs.ints[0], e.attrs.ints[1] != 0, e.attrs.ints[2] == 0);
}
}  // namespace
const OpDef op_cumsum{"cumsum", vjp};

Tensor scan(const Tensor& x, i64 axis, bool exclusive, bool reverse, bool prod, const char* op) {
  require_numeric(x.dtype(), op);
  const int nd = x.ndim();
  const i64 a = single_axis(x, axis, op);
  const Shape& s = x.shape();
  i64 outer = 1, inner = 1;
  for (int d = 0; d < nd; ++d) {
    if (d < a) outer *= s.d[d];
    if (d > a) inner *= s.d[d];
  }
  Tensor y = Tensor::empty(x.dtype(), s, op);
  if (y.numel() > 0) {
    GilRelease nogil(y.numel() >= kGilReleaseElems);
    dispatch_all(x.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (std::is_floating_point_v<T>) {
        const auto& ks = kernels::set<T>();
        (prod ? ks.cumprod : ks.cumsum)(x.data<T>(), outer, s.d[a], inner, y.data<T>(), exclusive, reverse);
      } else if constexpr (!std::is_same_v<T, bool>) {
        for (i64 o = 0; o < outer; ++o)
          for (i64 i = 0; i < inner; ++i) {
            const i64 at = o * s.d[a] * inner + i;
            // unsigned arithmetic wraps instead of overflowing (undefined for signed)
            using U = std::make_unsigned_t<T>;
            if (prod)
              kernels::scan_line<true, T, U>(x.data<T>() + at, s.d[a], inner, y.data<T>() + at, exclusive, reverse);
            else
              kernels::scan_line<false, T, U>(x.data<T>() + at, s.d[a], inner, y.data<T>() + at, exclusive, reverse);
          }
      }
    });
  }
  return y;
}

Attrs scan_attrs(const Tensor& x, i64 axis, bool exclusive, bool reverse, const char* op) {
  Attrs at;
  at.ints.push_back(single_axis(x, axis, op));
  at.ints.push_back(exclusive);
  at.ints.push_back(reverse);
  return at;
}

Tensor cumsum(const Tensor& x, i64 axis, bool exclusive, bool reverse) {
  Tensor y = scan(x, axis, exclusive, reverse, false, "cumsum");
  if (is_floating(x.dtype()) && should_record({x}))
    record1(op_cumsum, {x}, y, {}, scan_attrs(x, axis, exclusive, reverse, "cumsum"));
  return y;
}
}  // namespace tapegrad::ops
