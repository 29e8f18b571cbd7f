// AVX-512 GEMM: block sizes for the shared blocked GEMM (kernels/gemm_blocked.h) on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/gemm_blocked.h"

namespace tapegrad::kernels::avx512 {
namespace {

// 12 x 2 vectors: 24 accumulators + 2 B vectors + 1 broadcast of the 32 zmm registers.
struct CfgF32 {
  using V = F32x16;
  static constexpr int MR = 12, NV = 2;
  static constexpr i64 KC = 256, MC = 144, NC = 2048;
  static constexpr const char* kIsa = "avx512";
};
struct CfgF64 {
  using V = F64x8;
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
