// avx2+FMA GEMM: the shared blocked GEMM (kernels/gemm_blocked.h) on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx2 {

// 6 x 2 vectors: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
// Blocks measured on a Zen 3 core (32 KiB L1D, 512 KiB L2, a 32 MiB L3 shared with other
// guests; bench/RESULTS.md, sessions 1-9 and 20): KC x NR of B (24 KiB) stays in L1, MC x KC
// of A (216 KiB float32) in L2, the KC x NC panel of B in L3. KC 384 rather than 256 (K cut
// into balanced slices of <= KC: k = 1024 gives 3 x 342, 784 gives 3 x 262) measured 1-2 %
// faster at k = 513..1024 (fewer C reloads and tile epilogues); 512 overflows L1 and lost for
// f64; MC 96/192 were no better than 144. NC 1024 float32 / 512 float64 (a 1.3 / 1.5 MiB
// panel; was 2048 / 1024): the panel is reread from L3 once per MC block, and at 2.7-3 MiB
// it lost more to the neighbours' L3 traffic than the extra A packs cost. Variants timed call
// by call in one process, shuffled order, median of 16-20 rounds, one thread (session 20):
// float32 2048^3 +2.4 to +8.9 % in five runs, 1536^3 +7.9 %; float64 1024^3 +3.9 to +4.8 %,
// 2048^3 +2.9 to +3.4 % in three; smaller N is unchanged (one NC block either way).
void register_gemm(KernelTable& t) {
  constexpr TileOrder O = TileOrder::DownColumns;  // Note [GEMM tile order]
  register_gemm_for<GemmCfg<F32x8, 6, 2, 384, 144, 1024, O>, GemmCfg<F64x4, 6, 2, 384, 72, 512, O>>(t);
}

}  // namespace tapegrad::kernels::avx2
