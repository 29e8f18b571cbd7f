/* The machine's FMA ceiling: a register-only loop of independent 256-bit FMAs (no loads),
   built by bench/fma_ceiling.py with -O2 -mavx2 -mfma (never -march=native) and called
   through ctypes, which releases the GIL so two Python threads measure two cores. */
#include <immintrin.h>
#include <stdint.h>

/* Runs `iters` rounds of 12 independent FMA chains (latency 4 x 2 pipes needs >= 8) and
   returns a value derived from them so the compiler cannot drop the loop.
   Flops per call: iters * 12 chains * lanes * 2. */
float fma_f32(int64_t iters) {
  __m256 acc[12];
  __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[7];
}

double fma_f64(int64_t iters) {
  __m256d acc[12];
  __m256d x = _mm256_set1_pd(0.999999), y = _mm256_set1_pd(1e-7);
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_pd((double)i);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_pd(acc[i], x, y);
  }
  __m256d s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_pd(s, acc[i]);
  double out[4];
  _mm256_storeu_pd(out, s);
  return out[0] + out[3];
}
