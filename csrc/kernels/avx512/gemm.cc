// AVX-512 GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx512 {

// 12 x 2 vectors: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
// (Compiled, not run, on the development VM, which lacks AVX-512: the logic is the AVX2 one.)
void register_gemm(KernelTable& t) {
  register_gemm_for<GemmCfg<F32x16, 12, 2, 256, 144, 2048>, GemmCfg<F64x8, 12, 2, 256, 72, 1024>>(t);
}

}  // namespace tapegrad::kernels::avx512
