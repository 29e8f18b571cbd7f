// avx2+FMA GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx2 {

// 6 x 2 vectors: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
// KC x NR of B (16 KiB) stays in L1, MC x KC of A (144 KiB f32) in L2, KC x NC of B in L3.
void register_gemm(KernelTable& t) {
  register_gemm_for<GemmCfg<F32x8, 6, 2, 256, 144, 2048>, GemmCfg<F64x4, 6, 2, 256, 72, 1024>>(t);
}

}  // namespace tapegrad::kernels::avx2
