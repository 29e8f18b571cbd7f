// AVX-512 GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx512 {

// 12 x 2 vectors: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
// Blocks measured on an AVX-512 Zen 5 core (48 KiB L1D, 1 MiB L2; session 10, bench/RESULTS.md):
// the packed B panel (KC x NC = 512 KiB) and A block (MC x KC = 288 KiB) both stay in L2.
// Tiles run along rows: the A sliver (12 KiB) stays in L1 and the B slivers stream from L2
// (Note [GEMM tile order]); KC 384 (a 768 KiB panel) was no faster that way (session 12).
// With NC 2048, as on AVX2, the 2 MiB panel spilled to L3 and 2048^3 float32 fell from 244 to
// 216-221 GFLOP/s (93 % -> 83 % of the 512-bit FMA ceiling); 512^3 and 1024^3 are unchanged.
void register_gemm(KernelTable& t) {
  constexpr TileOrder O = TileOrder::AlongRows;  // Note [GEMM tile order]
  register_gemm_for<GemmCfg<F32x16, 12, 2, 256, 288, 512, O>, GemmCfg<F64x8, 12, 2, 256, 144, 256, O>>(t);
}

}  // namespace tapegrad::kernels::avx512
