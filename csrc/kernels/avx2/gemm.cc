// avx2+FMA GEMM: 256-bit traits for the shared blocked GEMM (kernels/gemm_blocked.h).
#include <immintrin.h>

#define TAPEGRAD_GEMM_ISA avx2
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx2 {
namespace {

// vmaskmov suppresses faults on masked-off lanes and zeroes them on load, which is what both
// the edge tiles and the right edge of a packed panel need.
struct VF32 {
  using T = float;
  using R = __m256;
  using Mask = __m256i;
  static constexpr int W = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, R v) { _mm256_storeu_ps(p, v); }
  static R bcast(const T* p) { return _mm256_broadcast_ss(p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  // max returns its second operand when either is NaN: NaN stays NaN, as in the reference.
  static R relu(R v) { return _mm256_max_ps(_mm256_setzero_ps(), v); }
  static Mask mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R load_mask(const T* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void store_mask(T* p, Mask m, R v) { _mm256_maskstore_ps(p, m, v); }
  static void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

struct VF64 {
  using T = double;
  using R = __m256d;
  using Mask = __m256i;
  static constexpr int W = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, R v) { _mm256_storeu_pd(p, v); }
  static R bcast(const T* p) { return _mm256_broadcast_sd(p); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R relu(R v) { return _mm256_max_pd(_mm256_setzero_pd(), v); }
  static Mask mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static R load_mask(const T* p, Mask m) { return _mm256_maskload_pd(p, m); }
  static void store_mask(T* p, Mask m, R v) { _mm256_maskstore_pd(p, m, v); }
  static void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

// 6 x 2 vectors: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
struct CfgF32 {
  using V = VF32;
  static constexpr int MR = 6, NV = 2;
  static constexpr i64 KC = 256, MC = 144, NC = 2048;
  static constexpr const char* kIsa = "avx2";
};
struct CfgF64 {
  using V = VF64;
  static constexpr int MR = 6, NV = 2;
  static constexpr i64 KC = 256, MC = 72, NC = 1024;
  static constexpr const char* kIsa = "avx2";
};

}  // namespace

void register_gemm(KernelTable& t) {
  t.f32.gemm = GemmDriver<CfgF32>::gemm;
  t.f64.gemm = GemmDriver<CfgF64>::gemm;
}

}  // namespace tapegrad::kernels::avx2
