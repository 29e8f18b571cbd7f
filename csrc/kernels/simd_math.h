// Vector exp/log/tanh/sigmoid on the traits of simd_vec.h (our own range reduction + polynomials).
//
// Same inclusion rule as simd_vec.h: TG_SIMD_NS names the ISA namespace everything lands in.
//
// Note [Vector transcendentals]
// exp: n = round(x/ln2) (by the 1.5*2^mant "magic" add, which also leaves n in the low bits),
//   r = x - n*ln2 in two fma steps (ln2 split hi/lo), e^r by its Taylor series (degree 7 for
//   float, 13 for double: truncation < 0.1 ulp on |r| <= ln2/2), evaluated as 1 + (r + r^2*Q)
//   so the last rounding dominates. 2^n is built in the exponent bits; when some |x| is near
//   the ends of the range (2^n not a normal number) the scale is applied in two halves so
//   results that overflow become inf and those that underflow round once into denormals.
// log: x = m * 2^k with m in [sqrt(1/2), sqrt(2)) (denormals are first scaled by 2^mant),
//   f = m - 1 (exact), s = f/(2+f), log(1+f) = f - s*(f - R(s^2)) where
//   R = 2s^2/3 + 2s^4/5 + ... (the atanh series; |s| <= 0.172 so 4 terms suffice for float,
//   11 for double). Then k*ln2 is added with one fma.
// log1p: log(u) of u = 1 + x plus the rounding correction (x - (u - 1))/u (Goldberg).
// log and log1p of float32 are computed in double lanes (shorter series) and rounded once: within 1 ulp of
//   the correctly rounded result (numpy's own float32 log is up to 2 ulp off, so a 1-ulp
//   float-precision log could be 3 from it). exp of float32 stays in float (measured: <= 1 ulp
//   from correctly rounded, <= 2 from numpy).
// tanh = sign(x) m/(m+2), m = expm1(2|x|) (no cancellation near 0, unlike 1 - 2/(e^2x + 1));
//   sigmoid = (x<0 ? e : 1)/(1+e), e = e^-|x|; float64 uses the same formulas natively.
//   float32 runs both in float lanes (twice the lanes of double: 2-3x faster) with the
//   division done as an exact 2-part denominator and a refined reciprocal; tanh below |x| 0.55
//   uses its Taylor series. Measured over the float range: tanh <= 1 ulp, sigmoid <= 2 ulp from
//   the correctly rounded result (the extra ulp is e's own rounding; numpy has no sigmoid, and
//   its float32 1/(1+exp(-x)) is off by up to 2e6 ulp where exp overflows).
#pragma once
#ifndef TG_SIMD_NS
#error "define TG_SIMD_NS (avx2 or avx512) before including kernels/simd_math.h"
#endif
#include "kernels/simd_vec.h"
#include "kernels/erf_poly.h"
#include "kernels/tanh_table.h"

namespace tapegrad::kernels::TG_SIMD_NS {

// Per-type constants of exp/log.
template <class T> struct MathConst;
template <> struct MathConst<float> {
  static constexpr float kLog2e = 1.44269504088896340736f;
  static constexpr float kLn2Hi = 0.693145751953125f;        // 8 fewer bits than float has
  static constexpr float kLn2Lo = 1.42860682030941723212e-6f;  // ln2 - kLn2Hi
  static constexpr float kMagic = 12582912.0f;                 // 1.5 * 2^23
  static constexpr float kFastLimit = 87.0f;   // |x| below it: 2^n is a normal float
  static constexpr float kLo = -104.0f;        // exp(x) rounds to 0 below this
  static constexpr float kHi = 89.0f;          // ... and to inf above this
  static constexpr float kMinNormal = 1.17549435082228750797e-38f;
  static constexpr float kTwoMant = 8388608.0f;  // 2^23
  static constexpr int kExpTerms = 7;  // Taylor degree of e^r
  static constexpr int kLogTerms = 4;  // terms of R(s^2)
};
template <> struct MathConst<double> {
  static constexpr double kLog2e = 1.44269504088896340736;
  static constexpr double kLn2Hi = 0.693147180369123816490;    // ln2 rounded to 32 bits
  static constexpr double kLn2Lo = 1.90821492927058770002e-10;  // ln2 - kLn2Hi
  static constexpr double kMagic = 6755399441055744.0;          // 1.5 * 2^52
  static constexpr double kFastLimit = 708.0;
  static constexpr double kLo = -746.0;
  static constexpr double kHi = 710.0;
  static constexpr double kMinNormal = 2.22507385850720138309e-308;
  static constexpr double kTwoMant = 4503599627370496.0;  // 2^52
  static constexpr int kExpTerms = 13;
  static constexpr int kLogTerms = 11;
};

// 1/k! for the exp series and 2/(2k+1) for the atanh series, exact rationals rounded once.
inline constexpr double kInvFact[14] = {1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120,
                                        1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
                                        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600,
                                        1.0 / 6227020800.0};

// 2^n for integral-valued n whose 2^n is a normal number, given t = n + kMagic.
template <class V> inline typename V::reg pow2_from_magic(typename V::reg t) {
  return V::from_bits(V::template shl<V::kMantBits>(V::iadd(V::bits(t), V::iset1(V::kBias))));
}

// c[0] + c[1] x + ... + c[N-1] x^(N-1) by Estrin's scheme: pairs combined with x, x^2, x^4...
// (log2 N dependent fma levels instead of N: these kernels are latency-bound otherwise).
template <class V, int N> inline typename V::reg poly(typename V::reg x, const double (&c)[N]) {
  using T = typename V::T;
  typename V::reg p[(N + 1) / 2];
  for (int i = 0; i < N / 2; ++i)
    p[i] = V::fma(V::set1(static_cast<T>(c[2 * i + 1])), x, V::set1(static_cast<T>(c[2 * i])));
  if (N % 2) p[N / 2] = V::set1(static_cast<T>(c[N - 1]));
  typename V::reg xp = V::mul(x, x);
  for (int m = (N + 1) / 2; m > 1; m = (m + 1) / 2) {
    for (int i = 0; i < m / 2; ++i) p[i] = V::fma(p[2 * i + 1], xp, p[2 * i]);
    if (m % 2) p[m / 2] = p[m - 1];
    xp = V::mul(xp, xp);
  }
  return p[0];
}

// Taylor coefficients of (e^r - 1 - r) / r^2 = 1/2! + r/3! + ... up to degree Deg of e^r.
template <int Deg> struct ExpCoef {
  double c[Deg - 1];
  constexpr ExpCoef() : c() {
    for (int k = 2; k <= Deg; ++k) c[k - 2] = kInvFact[k];
  }
};

// e^x. Deg is the Taylor degree; kFull handles the whole range (results that overflow, and
// denormal results); without it the caller guarantees |x| <= kFastLimit (or clamps).
template <class V, int Deg = MathConst<typename V::T>::kExpTerms, bool kFull = true>
inline typename V::reg vexp(typename V::reg x) {
  using T = typename V::T;
  using C = MathConst<T>;
  using reg = typename V::reg;
  static constexpr ExpCoef<Deg> kC{};
  const reg magic = V::set1(C::kMagic);
  reg xc = kFull ? V::min(V::max(x, V::set1(C::kLo)), V::set1(C::kHi))  // NaN -> kLo, fixed below
                 : V::min(V::max(x, V::set1(-C::kFastLimit)), V::set1(C::kFastLimit));
  reg t = V::fma(xc, V::set1(C::kLog2e), magic);
  reg n = V::sub(t, magic);
  reg r = V::fnma(n, V::set1(C::kLn2Hi), xc);
  r = V::fnma(n, V::set1(C::kLn2Lo), r);
  reg q = poly<V>(r, kC.c);
  reg p = V::add(V::set1(T(1)), V::fma(V::mul(r, r), q, r));  // 1 + (r + r^2 q)
  reg res;
  if (!kFull || !V::any(V::ge(V::andnot(V::set1(T(-0.0)), x), V::set1(C::kFastLimit)))) {
    res = V::mul(p, pow2_from_magic<V>(t));
  } else {
    // n = n1 + n2 with both halves' 2^n normal: n1 = round(n/2).
    reg t1 = V::fma(n, V::set1(T(0.5)), magic);
    reg n2 = V::sub(n, V::sub(t1, magic));
    res = V::mul(V::mul(p, pow2_from_magic<V>(t1)), pow2_from_magic<V>(V::add(n2, magic)));
  }
  return V::select(V::unord(x, x), res, x);
}

template <int K> struct LogCoef {  // 2/3, 2/5, ..., 2/(2K+1): the atanh series over s^2
  double c[K];
  constexpr LogCoef() : c() {
    for (int i = 1; i <= K; ++i) c[i - 1] = 2.0 / (2 * i + 1);
  }
};

template <class V, int Terms = MathConst<typename V::T>::kLogTerms>
inline typename V::reg vlog(typename V::reg x) {
  static constexpr LogCoef<Terms> kC{};
  using T = typename V::T;
  using C = MathConst<T>;
  using reg = typename V::reg;
  const reg one = V::set1(T(1));
  auto tiny = V::lt(x, V::set1(C::kMinNormal));  // denormals (and <= 0, fixed below)
  reg xs = V::select(tiny, x, V::mul(x, V::set1(C::kTwoMant)));
  // Exponent field as a number: (bits >> mant) | bits(2^mant) reads as 2^mant + field.
  reg two_mant = V::set1(C::kTwoMant);
  reg field = V::sub(V::bit_or(V::from_bits(V::template shr<V::kMantBits>(V::bits(xs))), two_mant),
                     two_mant);
  reg k = V::sub(field, V::select(tiny, V::set1(T(V::kBias)), V::set1(T(V::kBias + V::kMantBits))));
  reg mant_mask = V::from_bits(V::iset1((std::int64_t(1) << V::kMantBits) - 1));
  reg m = V::bit_or(V::bit_and(xs, mant_mask), one);  // [1, 2)
  auto big = V::gt(m, V::set1(T(1.41421356237309504880)));
  m = V::select(big, m, V::mul(m, V::set1(T(0.5))));
  k = V::add(k, V::keep(big, one));
  reg f = V::sub(m, one);
  reg s = V::div(f, V::add(V::set1(T(2)), f));
  reg z = V::mul(s, s);
  reg R = V::mul(poly<V>(z, kC.c), z);
  reg corr = V::fnma(s, V::sub(f, R), V::mul(k, V::set1(C::kLn2Lo)));  // k*ln2_lo - s*(f-R)
  reg res = V::fma(k, V::set1(C::kLn2Hi), V::add(f, corr));
  const reg inf = V::set1(T(__builtin_inf()));
  res = V::select(V::eq(x, inf), res, inf);
  res = V::select(V::eq(x, V::zero()), res, V::set1(-T(__builtin_inf())));
  res = V::select(V::lt(x, V::zero()), res, V::set1(T(__builtin_nan(""))));
  return V::select(V::unord(x, x), res, x);
}

// log(1 + x) (Note [Vector transcendentals]): u = 1 + x rounded, log1p(x) = log(u) + (x - (u - 1))/u;
// the quotient puts back what rounding u lost (u - 1 is exact wherever it matters), so tiny x
// give x. Where u is 0 or inf (x = -1, x = inf) that quotient is NaN and is dropped; x < -1 is
// NaN from log; +-0 stay themselves.
template <class V, int Terms = MathConst<typename V::T>::kLogTerms>
inline typename V::reg vlog1p(typename V::reg x) {
  using T = typename V::T;
  using reg = typename V::reg;
  const reg one = V::set1(T(1));
  reg u = V::add(one, x);
  reg corr = V::div(V::sub(x, V::sub(u, one)), u);
  reg res = V::add(vlog<V, Terms>(u), V::keep(V::eq(corr, corr), corr));
  return V::select(V::eq(x, V::zero()), res, x);
}

// 2^(j/32), j = 0..31, correctly rounded.
alignas(64) inline constexpr double kExp2Table[32] = {
    0x1.0000000000000p+0, 0x1.059b0d3158574p+0, 0x1.0b5586cf9890fp+0, 0x1.11301d0125b51p+0,
    0x1.172b83c7d517bp+0, 0x1.1d4873168b9aap+0, 0x1.2387a6e756238p+0, 0x1.29e9df51fdee1p+0,
    0x1.306fe0a31b715p+0, 0x1.371a7373aa9cbp+0, 0x1.3dea64c123422p+0, 0x1.44e086061892dp+0,
    0x1.4bfdad5362a27p+0, 0x1.5342b569d4f82p+0, 0x1.5ab07dd485429p+0, 0x1.6247eb03a5585p+0,
    0x1.6a09e667f3bcdp+0, 0x1.71f75e8ec5f74p+0, 0x1.7a11473eb0187p+0, 0x1.82589994cce13p+0,
    0x1.8ace5422aa0dbp+0, 0x1.93737b0cdc5e5p+0, 0x1.9c49182a3f090p+0, 0x1.a5503b23e255dp+0,
    0x1.ae89f995ad3adp+0, 0x1.b7f76f2fb5e47p+0, 0x1.c199bdd85529cp+0, 0x1.cb720dcef9069p+0,
    0x1.d5818dcfba487p+0, 0x1.dfc97337b9b5fp+0, 0x1.ea4afa2a490dap+0, 0x1.f50765b6e4540p+0};

// e^x in double lanes for float32 inputs, |x| clamped to 708 (beyond any float result):
// n = round(32 x / ln2) = 32 k + j, r = x - n ln2/32 (|r| <= 0.0109), e^x = 2^k * 2^(j/32) *
// e^r with e^r's Taylor series to r^4 (truncation 1.3e-12 relative). Returned as the pair
// scale = 2^k 2^(j/32) and s = e^r - 1, so expm1 can be formed without cancellation.
template <class V> inline void vexp_parts_for_float(typename V::reg x, typename V::reg& scale,
                                                    typename V::reg& s) {
  using reg = typename V::reg;
  const reg magic = V::set1(MathConst<double>::kMagic);
  reg xc = V::min(V::max(x, V::set1(-708.0)), V::set1(708.0));  // NaN -> -708; callers fix NaN
  reg t = V::fma(xc, V::set1(46.16624130844683), magic);        // 32/ln2
  reg n = V::sub(t, magic);
  reg r = V::fnma(n, V::set1(0x1.62e42fefa39efp-6), xc);        // ln2/32, hi and lo parts
  r = V::fnma(n, V::set1(0x1.abc9e3b39803fp-61), r);
  static constexpr double kQ[3] = {1.0 / 2, 1.0 / 6, 1.0 / 24};
  s = V::fma(V::mul(r, r), poly<V>(r, kQ), r);
  // bits(t) ends in n (two's complement) and |n| < 2^15: n + 1023*32 = 32 (k + 1023) + j.
  typename V::ireg tb = V::bits(t);
  reg j = V::bit_and(V::from_bits(tb), V::from_bits(V::iset1(31)));
  reg two_k = V::bit_and(V::from_bits(V::template shl<47>(V::iadd(tb, V::iset1(1023 * 32)))),
                         V::from_bits(V::iset1(0x7ff0000000000000LL)));
  scale = V::mul(two_k, V::gather(kExp2Table, V::bits(j)));
}

// e^x of float32 inputs held in double lanes (see vexp_parts_for_float), NaN kept.
template <class V> inline typename V::reg vexp_for_float(typename V::reg x) {
  typename V::reg scale, s;
  vexp_parts_for_float<V>(x, scale, s);
  return V::select(V::unord(x, x), V::fma(scale, s, scale), x);
}

// Taylor degree of e^x and atanh terms of log when double lanes only need float32 accuracy
// (relative error ~5e-9 and ~2e-9, under 0.1 float ulp: the once-rounded float result is
// within 1 ulp of the correctly rounded one, and is it but for near-ties).
inline constexpr int kExpDegForFloat = 7;
inline constexpr int kLogTermsForFloat = 6;

// sigmoid in the precision of V: (x < 0 ? e : 1) / (1 + e), e = exp(-|x|); never inf/inf.
// kForFloat: V has double lanes holding float32 inputs (e only has to be good to ~1e-8;
// below -708 the float result is 0 anyway, so exp is clamped there).
template <class V, bool kForFloat> inline typename V::reg vsigmoid(typename V::reg x) {
  using T = typename V::T;
  const typename V::reg one = V::set1(T(1));
  typename V::reg mabs = V::bit_or(x, V::set1(T(-0.0)));  // -|x|
  typename V::reg e = kForFloat ? vexp_for_float<V>(mabs) : vexp<V>(mabs);
  return V::div(V::select(V::lt(x, V::zero()), one, e), V::add(one, e));
}

// sigmoid of float32 in float lanes: the reciprocal of 1 + e is refined with the exact low part
// of 1 + e (Fast2Sum, e <= 1) and one Newton step, so only e's error and the final product's
// rounding remain (Note [Vector transcendentals]).
template <class V> inline typename V::reg vsigmoid_f32(typename V::reg x) {
  using reg = typename V::reg;
  const reg one = V::set1(1.0f);
  reg e = vexp<V>(V::bit_or(x, V::set1(-0.0f)));  // e^-|x| in [0, 1]
  reg d = V::add(one, e);
  reg dlo = V::add(V::sub(one, d), e);  // 1 + e == d + dlo exactly
  reg r = V::div(one, d);
  reg t = V::fnma(r, dlo, V::fnma(r, d, one));  // 1 - r (d + dlo)
  r = V::fma(r, t, r);
  return V::select(V::lt(x, V::zero()), r, V::mul(e, r));
}

// tanh(x) = sign(x) m / (m + 2), m = expm1(2|x|) = 2^n (1 + s) - 1 formed as fma(2^n, s, 2^n - 1)
// so s = e^r - 1 keeps its relative accuracy for small |x| (n = 0), unlike 1 - 2/(e^2x + 1).
// 2|x| is clamped where the quotient is already 1. kForFloat: double lanes of float32 inputs.
template <class V, bool kForFloat> inline typename V::reg vtanh(typename V::reg x) {
  using T = typename V::T;
  using reg = typename V::reg;
  using C = MathConst<T>;
  const reg one = V::set1(T(1)), sign = V::set1(T(-0.0));
  reg a = V::andnot(sign, x);
  reg p2, s;
  if constexpr (kForFloat) {
    vexp_parts_for_float<V>(V::add(a, a), p2, s);
  } else {
    static constexpr ExpCoef<C::kExpTerms> kC{};
    const reg magic = V::set1(C::kMagic);
    reg xc = V::min(V::add(a, a), V::set1(C::kFastLimit));  // NaN -> limit, fixed below
    reg t = V::fma(xc, V::set1(C::kLog2e), magic);
    reg n = V::sub(t, magic);
    reg r = V::fnma(n, V::set1(C::kLn2Hi), xc);
    r = V::fnma(n, V::set1(C::kLn2Lo), r);
    s = V::fma(V::mul(r, r), poly<V>(r, kC.c), r);
    p2 = pow2_from_magic<V>(t);
  }
  reg m = V::fma(p2, s, V::sub(p2, one));
  const reg two = V::set1(T(2));
  reg den = V::add(m, two);
  reg q;
  if constexpr (std::is_same_v<T, float> && !kForFloat) {
    // float lanes: divide by m + 2 carried exactly as den + lo (TwoSum), one Newton step on
    // the reciprocal, as in vsigmoid_f32
    reg bb = V::sub(den, m);
    reg lo = V::add(V::sub(m, V::sub(den, bb)), V::sub(two, bb));
    reg r = V::div(one, den);
    reg t = V::fnma(r, lo, V::fnma(r, den, one));
    q = V::mul(m, V::fma(r, t, r));
  } else {
    q = V::div(m, den);
  }
  if constexpr (std::is_same_v<T, float> && !kForFloat) {
    // |x| < 0.55 (where expm1's own error would show through m / (m + 2)): the odd Taylor
    // series a + a^3 P(a^2) to a^21 (truncation < 1e-10 relative), <= 1 ulp measured
    static constexpr double kT[] = {18888466084.0 / 194896477400625.0, -443861162.0 / 1856156927625.0,
                                    6404582.0 / 10854718875.0, -929569.0 / 638512875.0,
                                    21844.0 / 6081075.0, -1382.0 / 155925.0, 62.0 / 2835.0,
                                    -17.0 / 315.0, 2.0 / 15.0, -1.0 / 3.0};
    reg a2 = V::mul(a, a);
    reg p = V::set1(T(kT[0]));
    for (int k = 1; k < 10; ++k) p = V::fma(p, a2, V::set1(T(kT[k])));
    reg small = V::fma(V::mul(a, a2), p, a);
    q = V::select(V::lt(a, V::set1(T(0.55))), q, small);
  }
  reg res = V::bit_or(q, V::bit_and(x, sign));
  return V::select(V::unord(x, x), res, x);
}

// Note [Table tanh]
// float32 tanh on AVX-512 (the kernel the float-lane vtanh above is replaced by there): no
// exp, no division, one short polynomial per interval. a = min(|x|, 10) (NaN kept); the top bits
// r = bits(a) >> 21 (exponent and two mantissa bits) pick one of 32 slots, four per binade from
// 2^-4 to 16, and every a < 2^-4 shares the slot of r = 491 (clamped up to it). lo = the start
// of a's interval = a with the low 21 bits cleared (0 for the small slot), t = a - lo (exact),
// tanh(a) ~ c0 + t (c1 + ... + t c5) by Horner with the slot's coefficients, each fetched by
// one vpermt2ps from two registers of 16 (csrc/kernels/tanh_table.h, from gen_tanh_table.py).
// The sign of x is put back last. Cost per 16 lanes: 6 permutes and 5 fmas against exp's ~12
// fmas, a division and a select; <= 1 ulp from the correctly rounded result, as the float-lane
// kernel (the fitted polynomials are within 0.7 * 2^-24 relative). NaN: t is NaN, and so is
// every fma on it; +-inf clamp to 10, in a slot whose polynomial is exactly 1.
template <class V> typename V::reg vtanh_table(typename V::reg x);  // F32x16 only
template <class V> inline constexpr bool kHasTanhTable = false;
#if defined(__AVX512F__) || defined(TAPEGRAD_EMULATE_AVX512)
template <> inline constexpr bool kHasTanhTable<F32x16> = true;
template <> inline __m512 vtanh_table<F32x16>(__m512 x) {
  const __m512i absmask = _mm512_set1_epi32(0x7fffffff);
  __m512 a = _mm512_min_ps(_mm512_set1_ps(kTanhClamp),  // min(c, NaN) is NaN (vrangeps is not)
                           _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), absmask)));
  __m512i ai = _mm512_castps_si512(a);
  __m512i r = _mm512_max_epi32(_mm512_srli_epi32(ai, 21), _mm512_set1_epi32(kTanhSmallSlot));
  __mmask16 big = _mm512_cmpgt_epi32_mask(r, _mm512_set1_epi32(kTanhSmallSlot));
  __m512 lo = _mm512_castsi512_ps(_mm512_maskz_and_epi32(big, ai, _mm512_set1_epi32(~0x1fffff)));
  __m512 t = _mm512_sub_ps(a, lo);
  auto c = [&](int j) {
    return _mm512_permutex2var_ps(_mm512_load_ps(kTanhTable[j]), r, _mm512_load_ps(kTanhTable[j] + 16));
  };
  __m512 p = _mm512_fmadd_ps(c(5), t, c(4));
  p = _mm512_fmadd_ps(p, t, c(3));
  p = _mm512_fmadd_ps(p, t, c(2));
  p = _mm512_fmadd_ps(p, t, c(1));
  p = _mm512_fmadd_ps(p, t, c(0));
  // p | (x & sign): one ternary-logic op (A | (B & C) = 0xF8 over A = p, B = x, C = sign)
  return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(_mm512_castps_si512(p), _mm512_castps_si512(x),
                                                       _mm512_set1_epi32(int(0x80000000u)), 0xF8));
}
#endif

// Note [Erf]
// erf of float32 inputs held in double lanes, rounded once by the caller: |x| < 1: x P(x^2);
// else 1 - exp(-x^2) R((|x| - 2.5) / 1.5), |x| clamped to 4 (where the float result is already
// 1). P (degree 7) and R (degree 12) are in kernels/erf_poly.h, made by gen_erf_poly.py;
// their relative errors are 5e-11 and 6e-9 (R's part is erfc <= 0.16 of the result), exp's
// ~5e-9: far under float32's 2^-24, so the rounded result is within 1 ulp of the correctly
// rounded one (tests check it against math.erf over the whole float range). NaN stays NaN
// (min keeps it), +-inf give +-1, -0 gives -0. float64 has no vector kernel yet: its lanes go
// through the C library's erf one by one (OpErf in elementwise_impl.h).
template <class V> inline typename V::reg verf_for_float(typename V::reg x) {
  using reg = typename V::reg;
  const reg sign = V::set1(-0.0), one = V::set1(1.0);
  const reg a = V::min(V::set1(4.0), V::andnot(sign, x));  // min(4, NaN) is NaN
  const reg s = V::mul(a, a);
  reg p = V::set1(kErfP[7]);
  for (int j = 6; j >= 0; --j) p = V::fma(p, s, V::set1(kErfP[j]));
  const reg t = V::mul(V::sub(a, V::set1(kErfRMid)), V::set1(kErfRInvHalf));
  reg r = V::set1(kErfR[12]);
  for (int j = 11; j >= 0; --j) r = V::fma(r, t, V::set1(kErfR[j]));
  const reg big = V::fnma(vexp_for_float<V>(V::bit_xor(s, sign)), r, one);  // 1 - e^(-x^2) R
  const reg res = V::select(V::lt(a, one), big, V::mul(a, p));
  return V::bit_or(res, V::bit_and(x, sign));
}

// Note [Erfc]
// erfc of float32 inputs held in double lanes, rounded once by the caller, with no 1 - erf
// cancellation in the tail: |x| < 1: 1 - x P(x^2) (Note [Erf]'s P; the result is in
// (0.15, 1.85)); |x| >= 1: t = e^(-x^2) C(1 / |x|) = erfc(|x|) (C of degree 14 in
// kernels/erf_poly.h, relative error 4e-10; x^2 of a float is exact in a double, so exp's
// ~5e-9 is the whole error), and 2 - t for x <= -1. C is fitted up to |x| = 10.1, past which
// e^(-x^2) is below float32's range and the result rounds to 0 whatever C gives there. NaN
// stays NaN, erfc(+inf) = 0, erfc(-inf) = 2. float64 lanes go through the C library's erfc
// one by one.
template <class V> inline typename V::reg verfc_for_float(typename V::reg x) {
  using reg = typename V::reg;
  const reg sign = V::set1(-0.0), one = V::set1(1.0);
  const reg a = V::andnot(sign, x);
  const reg s = V::mul(a, a);
  reg p = V::set1(kErfP[7]);
  for (int j = 6; j >= 0; --j) p = V::fma(p, s, V::set1(kErfP[j]));
  const reg near = V::fnma(x, p, one);  // 1 - x P(x^2)
  const reg u = V::div(one, V::max(a, one));  // max(NaN, 1) is 1; u -> 0 for |x| -> inf
  reg c = V::set1(kErfcC[14]);
  for (int j = 13; j >= 0; --j) c = V::fma(c, u, V::set1(kErfcC[j]));
  const reg t = V::mul(vexp_for_float<V>(V::bit_xor(s, sign)), c);  // erfc(|x|); NaN kept
  const reg far = V::select(V::lt(x, V::zero()), t, V::sub(V::set1(2.0), t));
  return V::select(V::lt(a, one), far, near);
}

// Note [Sin and cos]
// float32 sin, cos and tan in double lanes, rounded once by the caller: within 1 ulp of the
// correctly rounded result (the C library's through double, as the scalar kernels compute
// them, is it but for near-ties). n = round(x 2/pi) by the magic add, which also leaves n mod 4
// in the low mantissa bits; r = x - n pi/2 with pi/2 in two doubles, each product exact inside
// an fma: while |x| < kTrigFloatLimit (2^26) that keeps r to ~2^-53 relative even for the
// floats nearest a multiple of pi/2. Taylor polynomials on |r| <= pi/4, sin to r^9 and cos to
// r^10 (truncation at most 2.4e-9 relative, 1/25 of a float ulp; sin as r (1 + r^2 P) so that
// sin(-0) = -0). Then the quadrant: n even gives sin r and cos r, n odd swaps them, bit 1 of n
// (of n + 1 for cos) flips the sign; tan is their quotient (-cos/sin for odd n). inf and NaN
// give NaN. Every float below 2^26 was compared with double sin/cos/tan rounded once
// (bench/trig_exhaustive.py, AVX-512 and AVX2): none is more than 1 ulp away. Lanes of larger
// |x| are the caller's: they go through the C library one by one, as float64 lanes do.
inline constexpr double kTrigFloatLimit = 67108864.0;  // 2^26
inline constexpr double kSinTaylor[4] = {-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880};
inline constexpr double kCosTaylor[5] = {-1.0 / 2, 1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800};
enum class Trig { Sin, Cos, Tan };
template <class V, Trig kFn> inline typename V::reg vtrig_for_float(typename V::reg x) {
  using reg = typename V::reg;
  const reg magic = V::set1(MathConst<double>::kMagic);
  const reg kn = V::fma(x, V::set1(0.636619772367581343076), magic);  // n + magic
  const reg n = V::sub(kn, magic);
  reg r = V::fnma(n, V::set1(1.5707963267948966), x);   // pi/2 rounded to double
  r = V::fnma(n, V::set1(6.123233995736766e-17), r);    // pi/2 - that
  const reg r2 = V::mul(r, r);
  const reg s = V::mul(r, V::fma(r2, poly<V>(r2, kSinTaylor), V::set1(1.0)));  // r (1 + ...): keeps -0
  const reg c = V::fma(r2, poly<V>(r2, kCosTaylor), V::set1(1.0));
  // n even: bit 0 of n moved to the sign of 1.0 gives +1 (-1 for odd n)
  const typename V::ireg nb = V::bits(kn);
  const auto even = V::gt(V::bit_or(V::from_bits(V::template shl<63>(nb)), V::set1(1.0)), V::zero());
  if constexpr (kFn == Trig::Tan) {
    const reg num = V::select(even, V::bit_xor(c, V::set1(-0.0)), s);
    return V::div(num, V::select(even, s, c));
  } else {
    typename V::ireg q = nb;
    if constexpr (kFn == Trig::Cos) q = V::iadd(q, V::iset1(1));
    const reg flip = V::from_bits(V::template shl<63>(V::template shr<1>(q)));  // bit 1 -> sign
    const reg v = kFn == Trig::Sin ? V::select(even, c, s) : V::select(even, s, c);
    return V::bit_xor(v, flip);
  }
}

// Note [Atan]
// float32 atan in double lanes, rounded once by the caller. With a = |x| and s = sqrt3, one
// division gives a u with |u| <= tan(pi/12) = 0.268 in each of four ranges, and atan a =
// off + sign * atan u:   a <= tan(pi/12): u = a;   a <= 1: u = (a s - 1) / (a + s), +pi/6;
// a <= tan(5pi/12): u = (s - a) / (1 + a s), pi/3 - ...;   past it: u = 1 / a, pi/2 - ...
// (a = inf gives u = 0). The series u - u^3/3 + ... to u^15 is good to 1e-10 relative there.
// x's sign goes back last, so atan(-0) = -0 and atan(+-inf) = +-pi/2; NaN stays NaN. Within 1
// ulp of the correctly rounded result for every float (bench/trig_exhaustive.py). ~45 double
// instructions per 8 lanes: 0.53 ns a float32 on one thread, against numpy's 0.22 (its float
// lanes; see bench/RESULTS.md). float64 lanes go through the C library one by one.
inline constexpr double kAtanSeries[8] = {1.0, -1.0 / 3, 1.0 / 5, -1.0 / 7, 1.0 / 9, -1.0 / 11, 1.0 / 13, -1.0 / 15};
template <class V> inline typename V::reg vatan_for_float(typename V::reg x) {
  using reg = typename V::reg;
  const reg sign = V::set1(-0.0), one = V::set1(1.0), s3 = V::set1(1.7320508075688772);
  const reg a = V::andnot(sign, x);
  const auto r1 = V::gt(a, V::set1(0.2679491924311227));  // tan(pi/12)
  const auto r2 = V::gt(a, one);
  const auto r3 = V::gt(a, V::set1(3.7320508075688772));  // tan(5pi/12)
  reg num = V::select(r1, a, V::fma(a, s3, V::set1(-1.0)));
  reg den = V::select(r1, one, V::add(a, s3));
  num = V::select(r2, num, V::sub(s3, a));
  den = V::select(r2, den, V::fma(a, s3, one));
  num = V::select(r3, num, one);
  den = V::select(r3, den, a);
  const reg u = V::div(num, den);
  reg r = V::mul(u, poly<V>(V::mul(u, u), kAtanSeries));
  const reg off = V::select(r3, V::select(r2, V::select(r1, V::zero(), V::set1(0.52359877559829887)),
                                          V::set1(1.0471975511965976)), V::set1(1.5707963267948966));
  r = V::add(off, V::select(r2, r, V::bit_xor(r, sign)));  // ranges 3, 4 subtract atan u
  return V::bit_or(r, V::bit_and(x, sign));
}

// f of each double lane through a scalar function (the C library's, for float64 lanes).
template <class V, class F> inline typename V::reg per_lane(typename V::reg x, F f) {
  alignas(64) double lanes[V::W];
  V::store(lanes, x);
  for (int i = 0; i < V::W; ++i) lanes[i] = f(lanes[i]);
  return V::load(lanes);
}

// float32 lanes through double: f(lo half), f(hi half), round once.
template <class Wd, class F> inline typename Wd::Narrow::reg via_double(typename Wd::Narrow::reg x, F f) {
  return Wd::narrow(f(Wd::lo(x)), f(Wd::hi(x)));
}

}  // namespace tapegrad::kernels::TG_SIMD_NS
