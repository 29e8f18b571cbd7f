// avx2+FMA GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx2 {

// 6 x 2 vectors: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
// KC x NR of B (24 KiB) stays in L1 (Zen 4: 32 KiB), MC x KC of A (216 KiB) in L2 (1 MiB),
// KC x NC of B in L2/L3. KC 384 rather than 256 (K cut into balanced slices of <= KC: k = 1024
// gives 3 x 342, 784 gives 3 x 262) measured 1-2 % faster at k = 513..1024 (fewer C
// reloads and tile epilogues); 512 overflows L1 and lost for f64; MC 96/192 and NC 256/512
// were no better than 144 / 2048 on one thread.
void register_gemm(KernelTable& t) {
  constexpr TileOrder O = TileOrder::DownColumns;  // Note [GEMM tile order]
  register_gemm_for<GemmCfg<F32x8, 6, 2, 384, 144, 2048, O>, GemmCfg<F64x4, 6, 2, 384, 72, 1024, O>>(t);
}

}  // namespace tapegrad::kernels::avx2
