/* The machine's FMA ceiling: a register-only loop of independent 256-bit FMAs (no loads),
   built by bench/fma_ceiling.py with -O2 -mavx2 -mfma (never -march=native) and called
   through ctypes, which releases the GIL so two Python threads measure two cores. The
   512-bit versions (function-level target, called only when the CPU has AVX-512F) give the
   ceiling of CPUs whose 512-bit FMAs do twice the work of 256-bit ones (Zen 5, Intel server
   cores with two 512-bit FMA units); where they do not (Zen 4), both loops give the same. */
#include <immintrin.h>
#include <stdint.h>

/* NAME(iters) runs `iters` rounds of 12 independent FMA chains (latency 4 x 2 pipes needs
   >= 8) and returns a value derived from them so the compiler cannot drop the loop.
   Flops per call: iters * 12 chains * lanes * 2. */
#define FMA_CEILING(NAME, T, VEC, SET1, FMADD, ADD, STORE, LANES)                  \
  T NAME(int64_t iters) {                                                         \
    VEC acc[12];                                                                  \
    VEC x = SET1((T)0.999999), y = SET1((T)1e-7);                                 \
    for (int i = 0; i < 12; ++i) acc[i] = SET1((T)i);                             \
    for (int64_t it = 0; it < iters; ++it) {                                      \
      _Pragma("GCC unroll 12") for (int i = 0; i < 12; ++i) acc[i] = FMADD(acc[i], x, y); \
    }                                                                             \
    VEC s = acc[0];                                                               \
    for (int i = 1; i < 12; ++i) s = ADD(s, acc[i]);                              \
    T out[LANES];                                                                 \
    STORE(out, s);                                                                \
    return out[0] + out[LANES - 1];                                               \
  }

FMA_CEILING(fma_f32, float, __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, _mm256_storeu_ps, 8)
FMA_CEILING(fma_f64, double, __m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd, _mm256_storeu_pd, 4)

#define TARGET_512 __attribute__((target("avx512f")))
TARGET_512 FMA_CEILING(fma512_f32, float, __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, _mm512_storeu_ps, 16)
TARGET_512 FMA_CEILING(fma512_f64, double, __m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd, _mm512_storeu_pd, 8)
