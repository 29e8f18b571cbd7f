// Thin vector traits (AVX2 256-bit, AVX-512 512-bit) that the shared kernel templates are written on.
//
// Include only from an ISA folder's TU, after defining TG_SIMD_NS to that folder's namespace
// (avx2 or avx512): everything here is declared inside tapegrad::kernels::TG_SIMD_NS, so each
// ISA gets its own copies of these inline functions and of every template instantiated on them
// (Note [ISA namespaces] in kernels.h). No std:: templates are used for the same reason.
//
// Each traits struct V has: T, reg, mask (compare result), tmask (tail mask), W (lanes), and
// static functions load/store (unaligned), load_tail/store_tail (first n < W lanes; lanes past
// the tail read as 0), set1, arithmetic, fma(a, b, c) = a*b + c, compares, select(m, f, t)
// (= m ? t : f per lane), bit casts to/from the integer vector `ireg` and the few integer ops
// exp/log need, and horizontal sum/max.
#pragma once
#ifndef TG_SIMD_NS
#error "define TG_SIMD_NS (avx2 or avx512) before including kernels/simd_vec.h"
#endif
#include <immintrin.h>

#include <cstdint>

#if defined(TAPEGRAD_EMULATE_AVX512)
#include "kernels/avx512_emulation.h"  // Note [Emulated AVX-512]: test builds only
#endif

#include "kernels/threadpool.h"

#if defined(__AVX512F__) && defined(__GNUC__) && !defined(__clang__)
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() (a self-initialised variable)
// and warn at every inlined use under -O3; the warning is spurious, the lanes are overwritten.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace tapegrad::kernels::TG_SIMD_NS {

using i64 = std::int64_t;

template <class A> inline A imin(A a, A b) { return a < b ? a : b; }
template <class A> inline A imax(A a, A b) { return a > b ? a : b; }

// Runs f(begin, end) over [0, n): on the caller's thread below `threshold` elements, else split
// over the pool in chunks that start on 64-element boundaries (whole cache lines per thread).
template <class F> inline void for_range(i64 n, i64 threshold, F&& f) {
  int t = num_threads();
  if (n < threshold || t <= 1) {
    if (n > 0) f(i64(0), n);
    return;
  }
  constexpr i64 kB = 64;
  // Four chunks per thread: a map's result does not depend on the split (threadpool.h).
  parallel_for((n + kB - 1) / kB, i64(4) * t, [&](i64 b, i64 e) { f(b * kB, imin(e * kB, n)); });
}

struct F32x8 {
  using T = float;
  using reg = __m256;
  using ireg = __m256i;
  using mask = __m256;
  using tmask = __m256i;
  static constexpr int W = 8;
  static constexpr int kMantBits = 23;
  static constexpr int kBias = 127;

  static reg load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, reg v) { _mm256_storeu_ps(p, v); }
  static void stream(T* p, reg v) { _mm256_stream_ps(p, v); }
  static tmask tail(i64 n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static reg load_tail(const T* p, tmask m) { return _mm256_maskload_ps(p, m); }
  static void store_tail(T* p, tmask m, reg v) { _mm256_maskstore_ps(p, m, v); }
  static reg load_tail_or(const T* p, tmask m, reg fill) {
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static reg keep_tail(tmask m, reg v) { return _mm256_and_ps(_mm256_castsi256_ps(m), v); }
  static reg set1(T x) { return _mm256_set1_ps(x); }
  static reg zero() { return _mm256_setzero_ps(); }

  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a*b
  // max/min return b when the lanes compare equal or either is NaN (the x86 rule).
  static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm256_sqrt_ps(a); }
  static reg bit_and(reg a, reg b) { return _mm256_and_ps(a, b); }
  static reg bit_or(reg a, reg b) { return _mm256_or_ps(a, b); }
  static reg bit_xor(reg a, reg b) { return _mm256_xor_ps(a, b); }
  static reg andnot(reg a, reg b) { return _mm256_andnot_ps(a, b); }  // ~a & b

  static mask lt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static mask le(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static mask gt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static mask ge(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static mask eq(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static mask unord(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
  static mask gt_or_nan(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_NLE_UQ); }
  static mask mor(mask a, mask b) { return _mm256_or_ps(a, b); }
  static reg select(mask m, reg f, reg t) { return _mm256_blendv_ps(f, t, m); }
  static reg keep(mask m, reg v) { return _mm256_and_ps(m, v); }  // m ? v : +0
  static bool any(mask m) { return _mm256_movemask_ps(m) != 0; }

  static ireg bits(reg a) { return _mm256_castps_si256(a); }
  static reg from_bits(ireg a) { return _mm256_castsi256_ps(a); }
  static ireg iadd(ireg a, ireg b) { return _mm256_add_epi32(a, b); }
  static ireg iset1(std::int64_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  template <int k> static ireg shl(ireg a) { return _mm256_slli_epi32(a, k); }
  template <int k> static ireg shr(ireg a) { return _mm256_srli_epi32(a, k); }

  static T hsum(reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static T hmax(reg v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

struct F64x4 {
  using T = double;
  using reg = __m256d;
  using ireg = __m256i;
  using mask = __m256d;
  using tmask = __m256i;
  static constexpr int W = 4;
  static constexpr int kMantBits = 52;
  static constexpr int kBias = 1023;

  static reg load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, reg v) { _mm256_storeu_pd(p, v); }
  static void stream(T* p, reg v) { _mm256_stream_pd(p, v); }
  static tmask tail(i64 n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static reg load_tail(const T* p, tmask m) { return _mm256_maskload_pd(p, m); }
  static void store_tail(T* p, tmask m, reg v) { _mm256_maskstore_pd(p, m, v); }
  static reg load_tail_or(const T* p, tmask m, reg fill) {
    return _mm256_blendv_pd(fill, _mm256_maskload_pd(p, m), _mm256_castsi256_pd(m));
  }
  static reg keep_tail(tmask m, reg v) { return _mm256_and_pd(_mm256_castsi256_pd(m), v); }
  static reg set1(T x) { return _mm256_set1_pd(x); }
  static reg zero() { return _mm256_setzero_pd(); }

  static reg add(reg a, reg b) { return _mm256_add_pd(a, b); }
  static reg sub(reg a, reg b) { return _mm256_sub_pd(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_pd(a, b); }
  static reg div(reg a, reg b) { return _mm256_div_pd(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_pd(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm256_fnmadd_pd(a, b, c); }
  static reg max(reg a, reg b) { return _mm256_max_pd(a, b); }
  static reg min(reg a, reg b) { return _mm256_min_pd(a, b); }
  static reg sqrt(reg a) { return _mm256_sqrt_pd(a); }
  static reg bit_and(reg a, reg b) { return _mm256_and_pd(a, b); }
  static reg bit_or(reg a, reg b) { return _mm256_or_pd(a, b); }
  static reg bit_xor(reg a, reg b) { return _mm256_xor_pd(a, b); }
  static reg andnot(reg a, reg b) { return _mm256_andnot_pd(a, b); }

  static mask lt(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  static mask le(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
  static mask gt(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  static mask ge(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  static mask eq(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
  static mask unord(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_UNORD_Q); }
  static mask gt_or_nan(reg a, reg b) { return _mm256_cmp_pd(a, b, _CMP_NLE_UQ); }
  static mask mor(mask a, mask b) { return _mm256_or_pd(a, b); }
  static reg select(mask m, reg f, reg t) { return _mm256_blendv_pd(f, t, m); }
  static reg keep(mask m, reg v) { return _mm256_and_pd(m, v); }
  static bool any(mask m) { return _mm256_movemask_pd(m) != 0; }

  static ireg bits(reg a) { return _mm256_castpd_si256(a); }
  static reg from_bits(ireg a) { return _mm256_castsi256_pd(a); }
  static ireg iadd(ireg a, ireg b) { return _mm256_add_epi64(a, b); }
  static ireg iset1(std::int64_t x) { return _mm256_set1_epi64x(x); }
  template <int k> static ireg shl(ireg a) { return _mm256_slli_epi64(a, k); }
  template <int k> static ireg shr(ireg a) { return _mm256_srli_epi64(a, k); }
  static reg gather(const T* base, ireg idx) { return _mm256_i64gather_pd(base, idx, 8); }

  static T hsum(reg v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
  static T hmax(reg v) {
    __m128d s = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    s = _mm_max_sd(s, _mm_unpackhi_pd(s, s));
    return _mm_cvtsd_f64(s);
  }
};

// float32 lanes widened to float64 for the f32 tanh/sigmoid (computed in double, rounded once).
struct Widen8 {
  using Narrow = F32x8;
  using Wide = F64x4;
  static constexpr int kHalves = 2;
  static F64x4::reg lo(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static F64x4::reg hi(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static __m256 narrow(F64x4::reg lo, F64x4::reg hi) {
    return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
  }
};

#if defined(__AVX512F__) || defined(TAPEGRAD_EMULATE_AVX512)
struct F32x16 {
  using T = float;
  using reg = __m512;
  using ireg = __m512i;
  using mask = __mmask16;
  using tmask = __mmask16;
  static constexpr int W = 16;
  static constexpr int kMantBits = 23;
  static constexpr int kBias = 127;

  static reg load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, reg v) { _mm512_storeu_ps(p, v); }
  static void stream(T* p, reg v) { _mm512_stream_ps(p, v); }
  static tmask tail(i64 n) { return static_cast<tmask>((1u << n) - 1u); }
  static reg load_tail(const T* p, tmask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_tail(T* p, tmask m, reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static reg load_tail_or(const T* p, tmask m, reg fill) { return _mm512_mask_loadu_ps(fill, m, p); }
  static reg keep_tail(tmask m, reg v) { return _mm512_maskz_mov_ps(m, v); }
  static reg set1(T x) { return _mm512_set1_ps(x); }
  static reg zero() { return _mm512_setzero_ps(); }

  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm512_fnmadd_ps(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
  static reg sqrt(reg a) { return _mm512_sqrt_ps(a); }
  static reg bit_and(reg a, reg b) { return _mm512_and_ps(a, b); }
  static reg bit_or(reg a, reg b) { return _mm512_or_ps(a, b); }
  static reg bit_xor(reg a, reg b) { return _mm512_xor_ps(a, b); }
  static reg andnot(reg a, reg b) { return _mm512_andnot_ps(a, b); }

  static mask lt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static mask le(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static mask gt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static mask ge(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static mask eq(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static mask unord(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
  static mask gt_or_nan(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_NLE_UQ); }
  static mask mor(mask a, mask b) { return static_cast<mask>(a | b); }
  static reg select(mask m, reg f, reg t) { return _mm512_mask_blend_ps(m, f, t); }
  static reg keep(mask m, reg v) { return _mm512_maskz_mov_ps(m, v); }
  static bool any(mask m) { return m != 0; }

  static ireg bits(reg a) { return _mm512_castps_si512(a); }
  static reg from_bits(ireg a) { return _mm512_castsi512_ps(a); }
  static ireg iadd(ireg a, ireg b) { return _mm512_add_epi32(a, b); }
  static ireg iset1(std::int64_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  template <int k> static ireg shl(ireg a) { return _mm512_slli_epi32(a, k); }
  template <int k> static ireg shr(ireg a) { return _mm512_srli_epi32(a, k); }

  static T hsum(reg v) {
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return F32x8::hsum(h);
  }
  // The N (8 or 16) horizontal sums of v[0..N) as one vector: lane 4 c + l holds the sum of
  // v[c + 4 l] (N = 8: lanes 4 c and 4 c + 1). Four levels of shuffle-and-add halve the lanes
  // per input and pair the inputs up: for N = 16, 30 shuffles and 15 adds where 16 hsum calls
  // take 64 and 64.
  template <int N>
  static reg sums(const reg* v) {
    static_assert(N == 8 || N == 16, "sums reduces 8 or 16 vectors");
    reg a[N / 2], b[N / 4], c[N / 8];
    for (int j = 0; j < N / 2; ++j)  // 256-bit halves: a[j] = [v[2j] x 8 | v[2j+1] x 8]
      a[j] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * j], v[2 * j + 1], 0x44),
                           _mm512_shuffle_f32x4(v[2 * j], v[2 * j + 1], 0xEE));
    for (int i = 0; i < N / 4; ++i)  // 128-bit chunks: chunk q of b[i] = v[4i + q] x 4
      b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x88),
                           _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xDD));
    for (int h = 0; h < N / 8; ++h)  // chunk q of c[h] = [v[8h + q] x 2, v[8h + 4 + q] x 2]
      c[h] = _mm512_add_ps(_mm512_shuffle_ps(b[2 * h], b[2 * h + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                           _mm512_shuffle_ps(b[2 * h], b[2 * h + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    const reg x = c[0], y = c[N / 8 - 1];
    return _mm512_add_ps(_mm512_shuffle_ps(x, y, _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_ps(x, y, _MM_SHUFFLE(3, 1, 3, 1)));
  }
  static T hmax(reg v) {
    __m256 h = _mm256_max_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return F32x8::hmax(h);
  }
};

struct F64x8 {
  using T = double;
  using reg = __m512d;
  using ireg = __m512i;
  using mask = __mmask8;
  using tmask = __mmask8;
  static constexpr int W = 8;
  static constexpr int kMantBits = 52;
  static constexpr int kBias = 1023;

  static reg load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, reg v) { _mm512_storeu_pd(p, v); }
  static void stream(T* p, reg v) { _mm512_stream_pd(p, v); }
  static tmask tail(i64 n) { return static_cast<tmask>((1u << n) - 1u); }
  static reg load_tail(const T* p, tmask m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store_tail(T* p, tmask m, reg v) { _mm512_mask_storeu_pd(p, m, v); }
  static reg load_tail_or(const T* p, tmask m, reg fill) { return _mm512_mask_loadu_pd(fill, m, p); }
  static reg keep_tail(tmask m, reg v) { return _mm512_maskz_mov_pd(m, v); }
  static reg set1(T x) { return _mm512_set1_pd(x); }
  static reg zero() { return _mm512_setzero_pd(); }

  static reg add(reg a, reg b) { return _mm512_add_pd(a, b); }
  static reg sub(reg a, reg b) { return _mm512_sub_pd(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_pd(a, b); }
  static reg div(reg a, reg b) { return _mm512_div_pd(a, b); }
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_pd(a, b, c); }
  static reg fnma(reg a, reg b, reg c) { return _mm512_fnmadd_pd(a, b, c); }
  static reg max(reg a, reg b) { return _mm512_max_pd(a, b); }
  static reg min(reg a, reg b) { return _mm512_min_pd(a, b); }
  static reg sqrt(reg a) { return _mm512_sqrt_pd(a); }
  static reg bit_and(reg a, reg b) { return _mm512_and_pd(a, b); }
  static reg bit_or(reg a, reg b) { return _mm512_or_pd(a, b); }
  static reg bit_xor(reg a, reg b) { return _mm512_xor_pd(a, b); }
  static reg andnot(reg a, reg b) { return _mm512_andnot_pd(a, b); }

  static mask lt(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_LT_OQ); }
  static mask le(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_LE_OQ); }
  static mask gt(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ); }
  static mask ge(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ); }
  static mask eq(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static mask unord(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q); }
  static mask gt_or_nan(reg a, reg b) { return _mm512_cmp_pd_mask(a, b, _CMP_NLE_UQ); }
  static mask mor(mask a, mask b) { return static_cast<mask>(a | b); }
  static reg select(mask m, reg f, reg t) { return _mm512_mask_blend_pd(m, f, t); }
  static reg keep(mask m, reg v) { return _mm512_maskz_mov_pd(m, v); }
  static bool any(mask m) { return m != 0; }

  static ireg bits(reg a) { return _mm512_castpd_si512(a); }
  static reg from_bits(ireg a) { return _mm512_castsi512_pd(a); }
  static ireg iadd(ireg a, ireg b) { return _mm512_add_epi64(a, b); }
  static ireg iset1(std::int64_t x) { return _mm512_set1_epi64(x); }
  template <int k> static ireg shl(ireg a) { return _mm512_slli_epi64(a, k); }
  template <int k> static ireg shr(ireg a) { return _mm512_srli_epi64(a, k); }
  static reg gather(const T* base, ireg idx) { return _mm512_i64gather_pd(idx, base, 8); }

  static T hsum(reg v) {
    return F64x4::hsum(_mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1)));
  }
  // The 8 horizontal sums of v[0..8) as one vector: lane 2 c + l holds the sum of v[c + 4 l]
  // (F32x16::sums for 8 lanes: three levels of shuffle-and-add).
  static reg sums8(const reg* v) {
    reg a[4], b[2];
    for (int j = 0; j < 4; ++j)  // 256-bit halves: a[j] = [v[2j] x 4 | v[2j+1] x 4]
      a[j] = _mm512_add_pd(_mm512_shuffle_f64x2(v[2 * j], v[2 * j + 1], 0x44),
                           _mm512_shuffle_f64x2(v[2 * j], v[2 * j + 1], 0xEE));
    for (int i = 0; i < 2; ++i)  // 128-bit chunks: chunk q of b[i] = v[4i + q] x 2
      b[i] = _mm512_add_pd(_mm512_shuffle_f64x2(a[2 * i], a[2 * i + 1], 0x88),
                           _mm512_shuffle_f64x2(a[2 * i], a[2 * i + 1], 0xDD));
    return _mm512_add_pd(_mm512_unpacklo_pd(b[0], b[1]), _mm512_unpackhi_pd(b[0], b[1]));
  }
  static T hmax(reg v) {
    return F64x4::hmax(_mm256_max_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1)));
  }
};

struct Widen16 {
  using Narrow = F32x16;
  using Wide = F64x8;
  static constexpr int kHalves = 2;
  static F64x8::reg lo(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static F64x8::reg hi(__m512 v) {
    return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
  }
  static __m512 narrow(F64x8::reg lo, F64x8::reg hi) {
    __m256 l = _mm512_cvtpd_ps(lo), h = _mm512_cvtpd_ps(hi);
    return _mm512_insertf32x8(_mm512_castps256_ps512(l), h, 1);
  }
};
#endif

// Non-temporal stores skip the read-for-ownership of an output much larger than the caches
// (one of three DRAM streams of an add); a chunk that used them ends with a fence so its
// stores are visible before the pool reports the chunk done.
inline constexpr i64 kStreamBytes = 16 << 20;
inline void stream_fence() { _mm_sfence(); }

// Compensated (Kahan) running sum of vectors (long softmax rows, blocks of long reductions).
template <class V> struct KahanVec {
  typename V::reg s = V::zero(), c = V::zero();
  void add(typename V::reg v) {
    typename V::reg y = V::sub(v, c);
    typename V::reg t = V::add(s, y);
    c = V::sub(V::sub(t, s), y);
    c = V::keep(V::eq(c, c), c);  // an inf sum makes c NaN: drop it so s keeps IEEE semantics
    s = t;
  }
  typename V::T total() const { return V::hsum(s) - V::hsum(c); }
};

}  // namespace tapegrad::kernels::TG_SIMD_NS
