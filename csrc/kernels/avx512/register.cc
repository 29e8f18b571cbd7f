// Registers the avx512 kernels over the scalar ones (only the entries this folder implements).
#include "kernels/kernels.h"

namespace tapegrad::kernels::avx512 {
void register_kernels(KernelTable& t) { (void)t; }
}  // namespace tapegrad::kernels::avx512
