// avx512 reductions and act_grad: the shared templates of reduce_impl.h on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/reduce_impl.h"

namespace tapegrad::kernels::avx512 {
namespace {
struct Isa {
  using F32 = F32x16;
  using F64 = F64x8;
};
}  // namespace

void register_reduce(KernelTable& t) { fill_reduce<Isa>(t); }
}  // namespace tapegrad::kernels::avx512
