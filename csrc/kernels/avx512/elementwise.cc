// avx512 elementwise kernels: the shared templates of elementwise_impl.h on F32x16/F64x8 lanes.
#define TG_SIMD_NS avx512
#include "kernels/elementwise_impl.h"

namespace tapegrad::kernels::avx512 {
namespace {
struct Isa {
  using F32 = F32x16;
  using F64 = F64x8;
  using Widen = Widen16;
};
}  // namespace

void register_elementwise(KernelTable& t) { fill_elementwise<Isa>(t); }
}  // namespace tapegrad::kernels::avx512
