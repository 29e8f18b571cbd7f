// avx2 reductions and act_grad: the shared templates of reduce_impl.h on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/reduce_impl.h"

namespace tapegrad::kernels::avx2 {
namespace {
struct Isa {
  using F32 = F32x8;
  using F64 = F64x4;
};
}  // namespace

void register_reduce(KernelTable& t) { fill_reduce<Isa>(t); }
}  // namespace tapegrad::kernels::avx2
