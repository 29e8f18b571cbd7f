// AVX-512 GEMM: 512-bit traits for the shared blocked GEMM (kernels/gemm_blocked.h).
#include <immintrin.h>

#define TAPEGRAD_GEMM_ISA avx512
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx512 {
namespace {

// Lane masks are native here: edge tiles cost one k-register, no blend.
struct VF32 {
  using T = float;
  using R = __m512;
  using Mask = __mmask16;
  static constexpr int W = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R bcast(const T* p) { return _mm512_set1_ps(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  // Like vmaxps ymm: the second operand is returned when either is NaN. (The maskz form with
  // all lanes set is the same instruction; plain _mm512_max_* trips GCC 12's -Wmaybe-uninitialized.)
  static R relu(R v) { return _mm512_maskz_max_ps(Mask(0xFFFF), _mm512_setzero_ps(), v); }
  static Mask mask(int n) { return n >= W ? Mask(0xFFFF) : n <= 0 ? Mask(0) : Mask((1u << n) - 1); }
  static R load_mask(const T* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store_mask(T* p, Mask m, R v) { _mm512_mask_storeu_ps(p, m, v); }
  static void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

struct VF64 {
  using T = double;
  using R = __m512d;
  using Mask = __mmask8;
  static constexpr int W = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R bcast(const T* p) { return _mm512_set1_pd(*p); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R relu(R v) { return _mm512_maskz_max_pd(Mask(0xFF), _mm512_setzero_pd(), v); }
  static Mask mask(int n) { return n >= W ? Mask(0xFF) : n <= 0 ? Mask(0) : Mask((1u << n) - 1); }
  static R load_mask(const T* p, Mask m) { return _mm512_maskz_loadu_pd(m, p); }
  static void store_mask(T* p, Mask m, R v) { _mm512_mask_storeu_pd(p, m, v); }
  static void prefetch(const T* p) { _mm_prefetch(reinterpret_cast<const char*>(p), _MM_HINT_T0); }
};

// 12 x 2 vectors: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
struct CfgF32 {
  using V = VF32;
  static constexpr int MR = 12, NV = 2;
  static constexpr i64 KC = 256, MC = 144, NC = 2048;
  static constexpr const char* kIsa = "avx512";
};
struct CfgF64 {
  using V = VF64;
  static constexpr int MR = 12, NV = 2;
  static constexpr i64 KC = 256, MC = 72, NC = 1024;
  static constexpr const char* kIsa = "avx512";
};

}  // namespace

void register_gemm(KernelTable& t) {
  t.f32.gemm = GemmDriver<CfgF32>::gemm;
  t.f64.gemm = GemmDriver<CfgF64>::gemm;
}

}  // namespace tapegrad::kernels::avx512
