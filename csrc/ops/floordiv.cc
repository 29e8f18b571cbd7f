// floordiv(x, y) = floor(x / y), as TF's FloorDiv (tf.math.floordiv, x // y): for float32/
// float64 the float quotient rounded down, for int32/int64 Python's flooring division (an
// integer division by zero is an InvalidArgumentError, as TF's; the lowest value // -1 wraps
// to itself, computed without C++ overflow). No gradient, as in TF: no ops.def row.
// Also the elementwise loop of floormod.cc, which differs only in the formula.
#include <cmath>
#include <type_traits>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace detail {
namespace {

template <class T> T int_floordiv(T x, T y) {  // y != 0
  using U = std::make_unsigned_t<T>;
  if (y == -1) return static_cast<T>(U(0) - static_cast<U>(x));
  T q = x / y;
  return (x % y != 0 && (x < 0) != (y < 0)) ? q - 1 : q;
}
template <class T> T int_floormod(T x, T y) {  // y != 0; the sign of y, as Python's %
  if (y == -1) return 0;
  T r = x % y;
  return (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
}
// TF's float FloorMod: fmod, moved into the sign of y (x - floor(x / y) * y without its
// rounding error); y = 0 gives NaN.
template <class T> T float_floormod(T x, T y) {
  T r = std::fmod(x, y);
  return (r != 0 && (y < 0) != (r < 0)) ? r + y : r;
}

}  // namespace

Tensor floor_binary(bool mod, const Tensor& a, const Tensor& b, const char* op) {
  check_same_dtype(a, b, op);
  if (a.dtype() == DType::Bool)
    throw TypeError(std::string(op) + ": expected a float32, float64, int32, int64 or uint8 tensor, got a bool tensor");
  return plain_binary(a, b, op, [&](const Tensor& ea, i64 sa, const Tensor& eb, i64 sb, Tensor& out, i64 n) {
    dispatch_all(a.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (!std::is_same_v<T, bool>) {
        const T* pa = ea.data<T>();
        const T* pb = eb.data<T>();
        T* po = out.data<T>();
        if constexpr (std::is_floating_point_v<T>) {
          if (mod)
            for (i64 i = 0; i < n; ++i) po[i] = float_floormod(pa[i * sa], pb[i * sb]);
          else
            for (i64 i = 0; i < n; ++i) po[i] = std::floor(pa[i * sa] / pb[i * sb]);
        } else {
          for (i64 i = 0; i < eb.numel(); ++i)  // before any result: nothing half-written escapes
            if (pb[i] == 0) throw InvalidArgument(std::string(op) + ": integer division by zero");
          if (mod)
            for (i64 i = 0; i < n; ++i) po[i] = int_floormod(pa[i * sa], pb[i * sb]);
          else
            for (i64 i = 0; i < n; ++i) po[i] = int_floordiv(pa[i * sa], pb[i * sb]);
        }
      }
    });
  });
}

}  // namespace detail

Tensor floordiv(const Tensor& a, const Tensor& b) { return detail::floor_binary(false, a, b, "floordiv"); }

}  // namespace tapegrad::ops
