// SIMD elementwise kernels (unary, binary, ternary masks, axpy, softmax), written once on the
// vector traits of simd_vec.h and instantiated by each ISA folder's elementwise.cc.
//
// Include with TG_SIMD_NS defined (see simd_vec.h); the including TU defines a struct Isa with
// F32, F64 (traits) and Widen (float32 -> float64 lanes) and calls fill_elementwise<Isa>(t).
// Results match the scalar reference bit for bit except where noted: exp/log/tanh/sigmoid
// (Note [Vector transcendentals], tested in ulp against numpy) and axpy (one fma, not mul+add).
#pragma once
#ifndef TG_SIMD_NS
#error "define TG_SIMD_NS (avx2 or avx512) before including kernels/elementwise_impl.h"
#endif
#include <cmath>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/simd_math.h"
#include "kernels/simd_vec.h"

namespace tapegrad::kernels::TG_SIMD_NS {

// Element counts above which a kernel is split over the pool (measured on the 2-core Zen 4:
// a cheap map pays for the wake-up only past ~256K elements, exp-class maps from ~16K).
inline constexpr i64 kLightThreshold = 256 * 1024;
inline constexpr i64 kHeavyThreshold = 16 * 1024;

// Note [Elementwise prefetch]
// The maps leave prefetching to the hardware. On the Zen 4 of sessions 1-9, asking in each
// loop step for the lines 2 KiB ahead of the inputs and output made a one-thread relu over
// 1M float32 120 -> 109 µs and add 176 -> 164 µs. On the Zen 5 core measured since, the same
// prefetches cost: add over 1M float32 in L3 went 108-113 -> 119-124 GB/s without them
// (numpy ratio 0.89-0.96 -> 0.99-1.02; bench/elementwise_report.py, session 12), and a plain
// C++ loop ran 93 µs bare against 96-104 µs with 0.5-4 KiB prefetch distances (T0 or T1).
// Column sums prefetch only DRAM-sized tiles of short rows (Note [Column-sum prefetch]).

template <class I, class T>
using VecFor = std::conditional_t<std::is_same_v<T, float>, typename I::F32, typename I::F64>;

// ---- unary ----------------------------------------------------------------------------------

// Each op: static reg apply<I, V>(reg); kHeavy selects the thread threshold and unrolling.
struct OpNeg {
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    return V::bit_xor(x, V::set1(typename V::T(-0.0)));
  }
};
struct OpAbs {
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    return V::andnot(V::set1(typename V::T(-0.0)), x);
  }
};
struct OpSign {  // 1, -1, +0 for +-0, NaN stays NaN (as np.sign)
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    using T = typename V::T;
    typename V::reg z = V::zero();
    typename V::reg s = V::bit_or(V::keep(V::gt(x, z), V::set1(T(1))), V::keep(V::lt(x, z), V::set1(T(-1))));
    return V::bit_or(s, V::keep(V::unord(x, x), x));
  }
};
struct OpSquare {
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) { return V::mul(x, x); }
};
struct OpSqrt {
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) { return V::sqrt(x); }
};
struct OpRelu {  // x > 0 ? x : +0, NaN stays NaN (as np.maximum(x, 0))
  static constexpr bool kHeavy = false;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    return V::keep(V::gt_or_nan(x, V::zero()), x);
  }
};
struct OpExp {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    return vexp<V>(x);  // float32 in float: <= 1 ulp from correctly rounded, 3x faster than in double
  }
};
struct OpLog {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>)
      return via_double<typename I::Widen>(x, [](auto v) { return vlog<typename I::F64, kLogTermsForFloat>(v); });
    else
      return vlog<V>(x);
  }
};
struct OpLog1p {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>)
      return via_double<typename I::Widen>(x, [](auto v) { return vlog1p<typename I::F64, kLogTermsForFloat>(v); });
    else
      return vlog1p<V>(x);
  }
};
// Note [Expm1]
// exp(x) - 1 without the cancellation near 0. float32 works in double lanes: below |x| = 2^-16
// the series x (1 + x (1/2 + x/6)) (relative error x^2/24 < 2^-36; -0 stays -0), above it
// exp(x) - 1 in double, whose absolute error of a few 1e-16 is < 2^-40 of the result there;
// then one rounding, so within 1 ulp of correctly rounded. float64: below |x| = 1 the Taylor
// series x (1 + x/2! + ... + x^19/20!) (the first term left out is < 2^-61 of the result),
// above it exp(x) - 1, whose error is at most 1.6x exp's (e/(e - 1)); several times faster
// than the C library's expm1, within 4 ulp of it (tested).
struct OpExpm1 {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>) {
      return via_double<typename I::Widen>(x, [](auto v) {
        using D = typename I::F64;
        const auto small = D::mul(v, D::fma(v, D::fma(v, D::set1(1.0 / 6), D::set1(0.5)), D::set1(1.0)));
        const auto big = D::sub(vexp<D>(v), D::set1(1.0));
        const auto mag = D::andnot(D::set1(-0.0), v);
        return D::select(D::lt(mag, D::set1(0x1p-16)), big, small);
      });
    } else {
      // q(x) = sum over k = 0..19 of x^k / (k+1)!, as E(x^2) + x O(x^2): two Horner chains of
      // 9 steps instead of one of 19 (latency-bound: 7.8 -> 2.9 ms per 1M on one Zen 3 core)
      static constexpr double kEven[] = {  // 1/(k+1)! for k = 18, 16, ..., 0
          1.0 / 121645100408832000.0, 1.0 / 355687428096000.0, 1.0 / 1307674368000.0,
          1.0 / 6227020800.0, 1.0 / 39916800.0, 1.0 / 362880.0, 1.0 / 5040.0, 1.0 / 120.0,
          1.0 / 6.0, 1.0};
      static constexpr double kOdd[] = {  // 1/(k+1)! for k = 19, 17, ..., 1
          1.0 / 2432902008176640000.0, 1.0 / 6402373705728000.0, 1.0 / 20922789888000.0,
          1.0 / 87178291200.0, 1.0 / 479001600.0, 1.0 / 3628800.0, 1.0 / 40320.0, 1.0 / 720.0,
          1.0 / 24.0, 1.0 / 2.0};
      const auto y = V::mul(x, x);
      auto e = V::set1(kEven[0]), o = V::set1(kOdd[0]);
      for (int k = 1; k < 10; ++k) {
        e = V::fma(e, y, V::set1(kEven[k]));
        o = V::fma(o, y, V::set1(kOdd[k]));
      }
      const auto small = V::mul(x, V::fma(o, x, e));
      const auto big = V::sub(vexp<V>(x), V::set1(1.0));
      const auto mag = V::andnot(V::set1(-0.0), x);
      return V::select(V::lt(mag, V::set1(1.0)), big, small);
    }
  }
};
struct OpSigmoid {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>)
      return vsigmoid_f32<V>(x);
    else
      return vsigmoid<V, false>(x);
  }
};
struct OpErf {  // Note [Erf]
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>) {
      return via_double<typename I::Widen>(x, [](auto v) { return verf_for_float<typename I::F64>(v); });
    } else {
      return per_lane<V>(x, [](double v) { return std::erf(v); });
    }
  }
};
struct OpErfc {  // Note [Erfc]
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>) {
      return via_double<typename I::Widen>(x, [](auto v) { return verfc_for_float<typename I::F64>(v); });
    } else {
      return per_lane<V>(x, [](double v) { return std::erfc(v); });
    }
  }
};
template <Trig kFn>
struct OpTrig {  // Note [Sin and cos]
  static constexpr bool kHeavy = true;
  static double libm(double v) { return kFn == Trig::Sin ? std::sin(v) : kFn == Trig::Cos ? std::cos(v) : std::tan(v); }
  // The lanes of x at or past kTrigFloatLimit, through the C library (rare; out of line, the
  // loop's code stays small: 64K float32 sin 0.43 -> 0.40 ns a float on one thread).
  template <class V> __attribute__((noinline, cold)) static typename V::reg big_lanes(typename V::reg x, typename V::reg y) {
    alignas(64) float xs[V::W], ys[V::W];
    V::store(xs, x);
    V::store(ys, y);
    for (int i = 0; i < V::W; ++i)
      if (!(std::fabs(xs[i]) < float(kTrigFloatLimit)) && xs[i] == xs[i]) ys[i] = float(libm(xs[i]));
    return V::load(ys);
  }
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    using T = typename V::T;
    if constexpr (std::is_same_v<T, float>) {
      typename V::reg y = via_double<typename I::Widen>(x, [](auto v) { return vtrig_for_float<typename I::F64, kFn>(v); });
      const auto big = V::ge(V::andnot(V::set1(-0.0f), x), V::set1(float(kTrigFloatLimit)));
      return V::any(big) ? big_lanes<V>(x, y) : y;
    } else {
      return per_lane<V>(x, libm);
    }
  }
};
struct OpAtan {  // Note [Atan]
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (std::is_same_v<typename V::T, float>) {
      return via_double<typename I::Widen>(x, [](auto v) { return vatan_for_float<typename I::F64>(v); });
    } else {
      return per_lane<V>(x, [](double v) { return std::atan(v); });
    }
  }
};
struct OpTanh {
  static constexpr bool kHeavy = true;
  template <class I, class V> static typename V::reg apply(typename V::reg x) {
    if constexpr (kHasTanhTable<V>)
      return vtanh_table<V>(x);  // Note [Table tanh]
    else
      return vtanh<V, false>(x);
  }
};

// kStream: outputs too large for the caches are written with non-temporal stores (no read for
// ownership, no eviction of the inputs); chosen by out_streams() below.
template <class I, class V, class Op, bool kStream>
void unary_range(const typename V::T* x, typename V::T* out, i64 n) {
  constexpr int W = V::W;
  constexpr int U = Op::kHeavy ? 2 : 4;
  auto put = [&](i64 i, typename V::reg v) { if constexpr (kStream) V::stream(out + i, v); else V::store(out + i, v); };
  i64 i = 0;
  if constexpr (kStream)  // reach a vector-aligned output with one masked store
    if (i64 head = (W - i64(reinterpret_cast<std::uintptr_t>(out) / sizeof(typename V::T)) % W) % W; head && n > W) {
      auto m = V::tail(head);
      V::store_tail(out, m, Op::template apply<I, V>(V::load_tail(x, m)));
      i = head;
    }
  for (; i + U * W <= n; i += U * W) {  // no software prefetch: Note [Elementwise prefetch]
    typename V::reg v[U];
    for (int u = 0; u < U; ++u) v[u] = V::load(x + i + u * W);
    for (int u = 0; u < U; ++u) put(i + u * W, Op::template apply<I, V>(v[u]));
  }
  for (; i + W <= n; i += W) put(i, Op::template apply<I, V>(V::load(x + i)));
  if (i < n) {
    auto m = V::tail(n - i);
    V::store_tail(out + i, m, Op::template apply<I, V>(V::load_tail(x + i, m)));
  }
  if constexpr (kStream) stream_fence();
}

template <class T> bool out_streams(i64 n) { return n * i64(sizeof(T)) >= kStreamBytes / num_threads(); }

template <class I, class V, class Op>
void unary_range(const typename V::T* x, typename V::T* out, i64 n) {
  if (out_streams<typename V::T>(n)) unary_range<I, V, Op, true>(x, out, n);
  else unary_range<I, V, Op, false>(x, out, n);
}

template <class I, class T, class Op> void unary(i64 n, const T* x, T* out) {
  using V = VecFor<I, T>;
  for_range(n, Op::kHeavy ? kHeavyThreshold : kLightThreshold,
            [&](i64 b, i64 e) { unary_range<I, V, Op>(x + b, out + b, e - b); });
}

// ---- binary ---------------------------------------------------------------------------------

struct OpAdd { template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) { return V::add(a, b); } };
struct OpSub { template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) { return V::sub(a, b); } };
struct OpMul { template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) { return V::mul(a, b); } };
struct OpDiv { template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) { return V::div(a, b); } };
// np.maximum/minimum: NaN from either side propagates (as a + b, like the scalar reference);
// otherwise x86 max(a, b) is exactly the reference's a > b ? a : b.
struct OpMax {
  template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) {
    return V::select(V::unord(a, b), V::max(a, b), V::add(a, b));
  }
};
struct OpMin {
  template <class V> static typename V::reg apply(typename V::reg a, typename V::reg b) {
    return V::select(V::unord(a, b), V::min(a, b), V::add(a, b));
  }
};
struct OpSquareA {  // pow(a, 2) with a scalar exponent 2: a * a, as numpy's fast path
  template <class V> static typename V::reg apply(typename V::reg a, typename V::reg) { return V::mul(a, a); }
};
struct OpReluGrad {  // (g, x) -> x > 0 ? g : 0
  template <class V> static typename V::reg apply(typename V::reg g, typename V::reg x) {
    return V::keep(V::gt(x, V::zero()), g);
  }
};
struct OpLeakyRelu {  // (x, alpha) -> x > 0 ? x : alpha x (NaN stays NaN, -0 stays -0)
  template <class V> static typename V::reg apply(typename V::reg x, typename V::reg alpha) {
    return V::select(V::gt(x, V::zero()), V::mul(x, alpha), x);
  }
};

template <class V, class Op, int SA, int SB, bool kStream>
void binary_range(const typename V::T* a, const typename V::T* b, typename V::T* out, i64 n) {
  constexpr int W = V::W;
  const typename V::reg ab = V::set1(a[0]), bb = V::set1(b[0]);
  auto A = [&](i64 i) { if constexpr (SA) return V::load(a + i); else return ab; };
  auto B = [&](i64 i) { if constexpr (SB) return V::load(b + i); else return bb; };
  auto put = [&](i64 i, typename V::reg v) { if constexpr (kStream) V::stream(out + i, v); else V::store(out + i, v); };
  i64 i = 0;
  if constexpr (kStream)  // reach a vector-aligned output with ordinary stores
    for (; i < n && reinterpret_cast<std::uintptr_t>(out + i) % (W * sizeof(typename V::T)); ++i)
      out[i] = V::hsum(V::keep_tail(V::tail(1), Op::template apply<V>(V::set1(SA ? a[i] : a[0]), V::set1(SB ? b[i] : b[0]))));
  for (; i + 4 * W <= n; i += 4 * W) {  // no software prefetch: Note [Elementwise prefetch]
    typename V::reg r0 = Op::template apply<V>(A(i), B(i));
    typename V::reg r1 = Op::template apply<V>(A(i + W), B(i + W));
    typename V::reg r2 = Op::template apply<V>(A(i + 2 * W), B(i + 2 * W));
    typename V::reg r3 = Op::template apply<V>(A(i + 3 * W), B(i + 3 * W));
    put(i, r0);
    put(i + W, r1);
    put(i + 2 * W, r2);
    put(i + 3 * W, r3);
  }
  for (; i + W <= n; i += W) put(i, Op::template apply<V>(A(i), B(i)));
  if (i < n) {
    auto m = V::tail(n - i);
    typename V::reg va = SA ? V::load_tail(a + i, m) : ab;
    typename V::reg vb = SB ? V::load_tail(b + i, m) : bb;
    V::store_tail(out + i, m, Op::template apply<V>(va, vb));
  }
  if constexpr (kStream) stream_fence();
}

template <class V, class Op, int SA, int SB>
void binary_range(const typename V::T* a, const typename V::T* b, typename V::T* out, i64 n) {
  if (out_streams<typename V::T>(n))
    binary_range<V, Op, SA, SB, true>(a, b, out, n);
  else
    binary_range<V, Op, SA, SB, false>(a, b, out, n);
}

template <class I, class T, class Op>
void binary(i64 n, const T* a, i64 sa, const T* b, i64 sb, T* out) {
  using V = VecFor<I, T>;
  if (n <= 0) return;
  for_range(n, kLightThreshold, [&](i64 lo, i64 hi) {
    const T* pa = a + lo * sa;
    const T* pb = b + lo * sb;
    i64 len = hi - lo;
    if (sa && sb) binary_range<V, Op, 1, 1>(pa, pb, out + lo, len);
    else if (sa) binary_range<V, Op, 1, 0>(pa, pb, out + lo, len);
    else if (sb) binary_range<V, Op, 0, 1>(pa, pb, out + lo, len);
    else binary_range<V, Op, 0, 0>(pa, pb, out + lo, len);
  });
}

// pow: exponent a scalar 2 -> a * a (vectorised, bitwise what numpy's power fast path gives);
// everything else is libm pow per element, split over threads like the heavy maps.
template <class I, class T> void pow_kernel(i64 n, const T* a, i64 sa, const T* b, i64 sb, T* out) {
  if (n <= 0) return;
  if (sb == 0 && b[0] == T(2)) return binary<I, T, OpSquareA>(n, a, sa, b, sb, out);
  for_range(n, kHeavyThreshold, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; ++i) out[i] = __builtin_pow(a[i * sa], b[i * sb]);
  });
}
template <class I> void pow_kernel_f32(i64 n, const float* a, i64 sa, const float* b, i64 sb, float* out) {
  if (n <= 0) return;
  if (sb == 0 && b[0] == 2.0f) return binary<I, float, OpSquareA>(n, a, sa, b, sb, out);
  for_range(n, kHeavyThreshold, [&](i64 lo, i64 hi) {
    for (i64 i = lo; i < hi; ++i) out[i] = __builtin_powf(a[i * sa], b[i * sb]);
  });
}

// ---- ternary masks: out = cmp(a, b) ? g : 0 -------------------------------------------------

template <class V, bool kGe>
void ternary_range(const typename V::T* g, i64 sg, const typename V::T* a, i64 sa,
                   const typename V::T* b, i64 sb, typename V::T* out, i64 n) {
  constexpr int W = V::W;
  const typename V::reg gb = V::set1(g[0]), ab = V::set1(a[0]), bb = V::set1(b[0]);
  auto apply = [](typename V::reg vg, typename V::reg va, typename V::reg vb) {
    return V::keep(kGe ? V::ge(va, vb) : V::gt(va, vb), vg);
  };
  i64 i = 0;
  for (; i + W <= n; i += W)
    V::store(out + i, apply(sg ? V::load(g + i) : gb, sa ? V::load(a + i) : ab, sb ? V::load(b + i) : bb));
  if (i < n) {
    auto m = V::tail(n - i);
    V::store_tail(out + i, m,
                  apply(sg ? V::load_tail(g + i, m) : gb, sa ? V::load_tail(a + i, m) : ab,
                        sb ? V::load_tail(b + i, m) : bb));
  }
}

template <class I, class T, bool kGe>
void ternary(i64 n, const T* g, i64 sg, const T* a, i64 sa, const T* b, i64 sb, T* out) {
  using V = VecFor<I, T>;
  if (n <= 0) return;
  for_range(n, kLightThreshold, [&](i64 lo, i64 hi) {
    ternary_range<V, kGe>(g + lo * sg, sg, a + lo * sa, sa, b + lo * sb, sb, out + lo, hi - lo);
  });
}

// ---- axpy: y += alpha * x (one fma per element) ---------------------------------------------

template <class I, class T> void axpy(i64 n, T alpha, const T* x, T* y) {
  using V = VecFor<I, T>;
  constexpr int W = V::W;
  for_range(n, kLightThreshold, [&](i64 lo, i64 hi) {
    const typename V::reg va = V::set1(alpha);
    i64 i = lo;
    for (; i + 2 * W <= hi; i += 2 * W) {
      typename V::reg y0 = V::fma(va, V::load(x + i), V::load(y + i));
      typename V::reg y1 = V::fma(va, V::load(x + i + W), V::load(y + i + W));
      V::store(y + i, y0);
      V::store(y + i + W, y1);
    }
    for (; i + W <= hi; i += W) V::store(y + i, V::fma(va, V::load(x + i), V::load(y + i)));
    if (i < hi) {
      auto m = V::tail(hi - i);
      V::store_tail(y + i, m, V::fma(va, V::load_tail(x + i, m), V::load_tail(y + i, m)));
    }
  });
}

// ---- softmax / log_softmax over rows --------------------------------------------------------

template <class I, class V> void softmax_row(const typename V::T* x, i64 cols, typename V::T* out, bool log) {
  using T = typename V::T;
  using reg = typename V::reg;
  constexpr int W = V::W;
  const reg ninf = V::set1(-T(__builtin_inf()));
  reg mv = ninf;  // max ignoring NaN (a NaN makes the sum NaN anyway, as in the reference)
  i64 c = 0;
  for (; c + W <= cols; c += W) mv = V::max(V::load(x + c), mv);
  if (c < cols) mv = V::max(V::load_tail_or(x + c, V::tail(cols - c), ninf), mv);
  T m = V::hmax(mv);
  if (!(m - m == 0)) m = m != m ? m : T(0);  // all -inf (or +inf) rows: avoid inf - inf
  const reg vm = V::set1(m);
  KahanVec<V> sum;
  for (c = 0; c + W <= cols; c += W) {
    reg e = vexp<V>(V::sub(V::load(x + c), vm));
    if (!log) V::store(out + c, e);
    sum.add(e);
  }
  if (c < cols) {
    auto tm = V::tail(cols - c);
    reg e = V::keep_tail(tm, vexp<V>(V::sub(V::load_tail(x + c, tm), vm)));
    if (!log) V::store_tail(out + c, tm, e);
    sum.add(e);
  }
  T s = sum.total();
  if (log) {
    const reg ls = V::set1(static_cast<T>(__builtin_log(static_cast<double>(s))));
    for (c = 0; c + W <= cols; c += W) V::store(out + c, V::sub(V::sub(V::load(x + c), vm), ls));
    if (c < cols) {
      auto tm = V::tail(cols - c);
      V::store_tail(out + c, tm, V::sub(V::sub(V::load_tail(x + c, tm), vm), ls));
    }
  } else {
    const reg inv = V::set1(static_cast<T>(1.0 / static_cast<double>(s)));
    for (c = 0; c + W <= cols; c += W) V::store(out + c, V::mul(V::load(out + c), inv));
    if (c < cols) {
      auto tm = V::tail(cols - c);
      V::store_tail(out + c, tm, V::mul(V::load_tail(out + c, tm), inv));
    }
  }
}

template <class I, class T> void softmax(const T* x, i64 rows, i64 cols, T* out, bool log) {
  using V = VecFor<I, T>;
  if (rows <= 0 || cols <= 0) return;
  auto run = [&](i64 b, i64 e) {
    for (i64 r = b; r < e; ++r) softmax_row<I, V>(x + r * cols, cols, out + r * cols, log);
  };
  if (rows * cols < kHeavyThreshold || rows < 2 || num_threads() <= 1) run(0, rows);
  else parallel_for(rows, num_threads(), [&](i64 b, i64 e) { run(b, e); });
}

// ---- the table ------------------------------------------------------------------------------

template <class I, class T> void fill_elementwise_typed(KernelSet<T>& s) {
  s.unary[int(Unary::Neg)] = unary<I, T, OpNeg>;
  s.unary[int(Unary::Abs)] = unary<I, T, OpAbs>;
  s.unary[int(Unary::Sign)] = unary<I, T, OpSign>;
  s.unary[int(Unary::Square)] = unary<I, T, OpSquare>;
  s.unary[int(Unary::Sqrt)] = unary<I, T, OpSqrt>;
  s.unary[int(Unary::Exp)] = unary<I, T, OpExp>;
  s.unary[int(Unary::Log)] = unary<I, T, OpLog>;
  s.unary[int(Unary::Log1p)] = unary<I, T, OpLog1p>;
  s.unary[int(Unary::Expm1)] = unary<I, T, OpExpm1>;
  s.unary[int(Unary::Sigmoid)] = unary<I, T, OpSigmoid>;
  s.unary[int(Unary::Relu)] = unary<I, T, OpRelu>;
  s.unary[int(Unary::Tanh)] = unary<I, T, OpTanh>;
  s.unary[int(Unary::Erf)] = unary<I, T, OpErf>;
  s.unary[int(Unary::Erfc)] = unary<I, T, OpErfc>;
  s.unary[int(Unary::Sin)] = unary<I, T, OpTrig<Trig::Sin>>;
  s.unary[int(Unary::Cos)] = unary<I, T, OpTrig<Trig::Cos>>;
  s.unary[int(Unary::Tan)] = unary<I, T, OpTrig<Trig::Tan>>;
  s.unary[int(Unary::Atan)] = unary<I, T, OpAtan>;
  if constexpr (std::is_same_v<T, float>)
    s.binary[int(Binary::Pow)] = pow_kernel_f32<I>;
  else
    s.binary[int(Binary::Pow)] = pow_kernel<I, T>;
  s.binary[int(Binary::Add)] = binary<I, T, OpAdd>;
  s.binary[int(Binary::Sub)] = binary<I, T, OpSub>;
  s.binary[int(Binary::Mul)] = binary<I, T, OpMul>;
  s.binary[int(Binary::Div)] = binary<I, T, OpDiv>;
  s.binary[int(Binary::Max)] = binary<I, T, OpMax>;
  s.binary[int(Binary::Min)] = binary<I, T, OpMin>;
  s.binary[int(Binary::ReluGrad)] = binary<I, T, OpReluGrad>;
  s.binary[int(Binary::LeakyRelu)] = binary<I, T, OpLeakyRelu>;
  s.ternary[int(Ternary::MaskGe)] = ternary<I, T, true>;
  s.ternary[int(Ternary::MaskGt)] = ternary<I, T, false>;
  s.axpy = axpy<I, T>;
  s.softmax = softmax<I, T>;
}

template <class I> void fill_elementwise(KernelTable& t) {
  fill_elementwise_typed<I, float>(t.f32);
  fill_elementwise_typed<I, double>(t.f64);
}

}  // namespace tapegrad::kernels::TG_SIMD_NS
