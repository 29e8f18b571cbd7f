// avx2+FMA GEMM: block sizes for the shared blocked GEMM (kernels/gemm_blocked.h) on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx2 {
namespace {

// 6 x 2 vectors: 12 accumulators + 2 B vectors + 1 broadcast of the 16 ymm registers.
struct CfgF32 {
  using V = F32x8;
  static constexpr int MR = 6, NV = 2;
  static constexpr i64 KC = 256, MC = 144, NC = 2048;
  static constexpr const char* kIsa = "avx2";
};
struct CfgF64 {
  using V = F64x4;
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
