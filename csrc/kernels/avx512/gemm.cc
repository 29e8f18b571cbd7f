// avx512 gemm kernels (none yet: the scalar ones serve).
#include "kernels/kernels.h"

namespace tapegrad::kernels::avx512 {
void register_gemm(KernelTable& t) { (void)t; }
}  // namespace tapegrad::kernels::avx512
