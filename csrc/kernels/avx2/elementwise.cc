// avx2 elementwise kernels: the shared templates of elementwise_impl.h on F32x8/F64x4 lanes.
#define TG_SIMD_NS avx2
#include "kernels/elementwise_impl.h"

namespace tapegrad::kernels::avx2 {
namespace {
struct Isa {
  using F32 = F32x8;
  using F64 = F64x4;
  using Widen = Widen8;
};
}  // namespace

void register_elementwise(KernelTable& t) { fill_elementwise<Isa>(t); }
}  // namespace tapegrad::kernels::avx2
