// avx512 reduce kernels (none yet: the scalar ones serve).
#include "kernels/kernels.h"

namespace tapegrad::kernels::avx512 {
void register_reduce(KernelTable& t) { (void)t; }
}  // namespace tapegrad::kernels::avx512
