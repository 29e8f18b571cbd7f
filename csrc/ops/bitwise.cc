// tf.bitwise: and, or, xor, left_shift, right_shift, invert of int32/int64/uint8 tensors (also the
// `& | ^ ~` operators of integer tensors, which are logical on bool tensors: compare.cc).
// No gradient, as in TF: no ops.def row. Shift amounts are clamped to [0, bits - 1] as TF's
// kernels do (a negative shift is no shift; a left shift is done on the unsigned bits, so it
// wraps without C++ overflow; a right shift of a negative value is arithmetic).
#include <type_traits>

#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {

void require_int(const Tensor& t, const char* op) {
  if (!is_integer(t.dtype()))
    throw TypeError(std::string(op) + ": expected an int32, int64 or uint8 tensor, got " +
                    a_dtype(t.dtype()) + " tensor (the & | ^ ~ operators are logical on bool "
                    "tensors and bitwise on integer ones)");
}

template <class T> T shift_amount(T y) {
  constexpr T top = static_cast<T>(sizeof(T) * 8 - 1);
  return y < 0 ? 0 : (y > top ? top : y);
}

}  // namespace

Tensor bitwise(Bitwise k, const Tensor& a, const Tensor& b, const char* op) {
  require_int(a, op);
  check_same_dtype(a, b, op);
  return detail::plain_binary(a, b, op, [k](const Tensor& ea, i64 sa, const Tensor& eb, i64 sb, Tensor& out, i64 n) {
    dispatch_int(ea.dtype(), [&](auto z) {
      using T = decltype(z);
      using U = std::make_unsigned_t<T>;
      const T* pa = ea.data<T>();
      const T* pb = eb.data<T>();
      T* po = out.data<T>();
      switch (k) {
        case Bitwise::And: detail::strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) -> T { return x & y; }); break;
        case Bitwise::Or: detail::strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) -> T { return x | y; }); break;
        case Bitwise::Xor: detail::strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) -> T { return x ^ y; }); break;
        case Bitwise::LeftShift:
          detail::strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) -> T {
            return static_cast<T>(static_cast<U>(x) << shift_amount(y));
          });
          break;
        case Bitwise::RightShift:
          detail::strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) -> T { return x >> shift_amount(y); });
          break;
      }
    });
  });
}

Tensor bitwise_invert(const Tensor& x) {
  require_int(x, "invert");
  Tensor out = Tensor::empty(x.dtype(), x.shape(), "invert");
  dispatch_int(x.dtype(), [&](auto z) {
    using T = decltype(z);
    const T* p = x.data<T>();
    T* o = out.data<T>();
    const i64 n = x.numel();  // hoisted: the stores could alias x's shape as far as gcc knows
    for (i64 i = 0; i < n; ++i) o[i] = ~p[i];
  });
  return out;
}

}  // namespace tapegrad::ops
