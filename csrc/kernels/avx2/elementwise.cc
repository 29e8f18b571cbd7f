// avx2 elementwise kernels (none yet: the scalar ones serve).
#include "kernels/kernels.h"

namespace tapegrad::kernels::avx2 {
void register_elementwise(KernelTable& t) { (void)t; }
}  // namespace tapegrad::kernels::avx2
