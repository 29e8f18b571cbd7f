// y = x converted to `dtype`.   dx = cast(grad, x.dtype)
// Any dtype to any dtype, as TF: float → int truncates toward zero, anything → bool is x != 0.
// Only float → float is differentiable (TF gives no gradient through an integer or bool cast).
#include <cmath>
#include <limits>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = cast(g[0], static_cast<DType>(e.attrs.ints[0]));
}

// Float → integer with C++'s undefined cases defined: NaN gives 0 and out-of-range values
// saturate. numpy and TF 2.21's CPU kernel give INT_MIN for all of them (x86's answer to the
// undefined conversion; checked in session 25): tapegrad keeps its defined values there. Into
// uint8 TF goes through int32 and wraps (300.7 -> 44), which tapegrad follows for in-range
// values too (out-of-range ones, INT_MIN there, give 0 as TF's).
template <class D, class S>
D convert(S v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != S(0);
  } else if constexpr (std::is_floating_point_v<S> && std::is_same_v<D, std::uint8_t>) {
    // TF's CPU kernel goes through int32 (x86's conversion): 300.7 -> 300 -> 44, -1.0 -> 255,
    // and NaN or a value outside int32's range -> INT_MIN -> 0.
    if (!(v > S(-2147483649.0) && v < S(2147483648.0))) return D(0);
    return static_cast<D>(static_cast<std::int32_t>(v));
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    if (std::isnan(v)) return D(0);
    if (v <= static_cast<S>(std::numeric_limits<D>::min())) return std::numeric_limits<D>::min();
    if (v >= static_cast<S>(std::numeric_limits<D>::max())) return std::numeric_limits<D>::max();
    return static_cast<D>(v);
  } else {
    return static_cast<D>(v);
  }
}
}  // namespace
const OpDef op_cast{"cast", vjp};

Tensor cast(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return identity(x);
  Tensor y = Tensor::empty(dtype, x.shape(), "cast");
  const i64 n = x.numel();
  {
    GilRelease nogil(n >= kGilReleaseElems);
    dispatch_all(x.dtype(), [&](auto sz) {
      using S = decltype(sz);
      dispatch_all(dtype, [&](auto dz) {
        using D = decltype(dz);
        const S* s = x.data<S>();
        D* d = y.data<D>();
        for (i64 i = 0; i < n; ++i) d[i] = convert<D, S>(s[i]);
      });
    });
  }
  if (is_floating(x.dtype()) && is_floating(dtype) && should_record({x})) {
    Attrs at;
    at.ints.push_back(static_cast<i64>(x.dtype()));
    record1(op_cast, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
