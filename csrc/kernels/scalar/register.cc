// Fills the table with the scalar reference kernels (every entry; the SIMD folders override).
#include "kernels/kernels.h"

namespace tapegrad::kernels::scalar {
void register_elementwise(KernelTable& t);
void register_reduce(KernelTable& t);
void register_gemm(KernelTable& t);

void register_kernels(KernelTable& t) {
  register_elementwise(t);
  register_reduce(t);
  register_gemm(t);
}
}  // namespace tapegrad::kernels::scalar
