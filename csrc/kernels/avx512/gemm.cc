// AVX-512 GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx512 {

// 12 x 2 vectors: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
// Blocks measured on an AVX-512 Zen 5 core (48 KiB L1D, 1 MiB L2; bench/RESULTS.md, sessions
// 10, 12 and 19): the packed B panel (KC x NC) is 512 KiB for both types, so it stays in L2.
// Tiles run along rows (Note [GEMM tile order]): the A sliver stays in L1 and the B slivers
// stream from L2. float32 takes KC 512 and NC 256 (its A sliver 24 KiB, a B sliver 64 KiB):
// against KC 256 / NC 512 each tile's epilogue and C traffic are spread over twice the FMAs
// and C is reread half as often; numpy time / ours on one thread, three alternating pairs
// of processes (session 19): 512^3 1.042 -> 1.053, 1024^3 1.053 -> 1.065, 2048^3 1.041 ->
// 1.061, 256x784x512 1.043 -> 1.051, 512x513x511 1.039 -> 1.055; 2 threads unchanged.
// KC 384 / NC 320 was in between. KC 384 with NC 512 (a 768 KiB panel) was no faster
// (session 12); NC 2048 (AVX2 had it until session 20) spilled the panel to L3: 2048^3 float32 244 -> 216-221
// GFLOP/s. float64 keeps KC 256: a 512-deep sliver of 12 doubles would fill L1 by itself.
void register_gemm(KernelTable& t) {
  constexpr TileOrder O = TileOrder::AlongRows;  // Note [GEMM tile order]
  register_gemm_for<GemmCfg<F32x16, 12, 2, 512, 288, 256, O>, GemmCfg<F64x8, 12, 2, 256, 144, 256, O>>(t);
}

}  // namespace tapegrad::kernels::avx512
