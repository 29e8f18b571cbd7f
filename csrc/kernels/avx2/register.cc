// Registers the avx2 kernels over the scalar ones (each file overrides only what it implements).
#include "kernels/kernels.h"

namespace tapegrad::kernels::avx2 {
void register_elementwise(KernelTable& t);
void register_reduce(KernelTable& t);
void register_gemm(KernelTable& t);

void register_kernels(KernelTable& t) {
  register_elementwise(t);
  register_reduce(t);
  register_gemm(t);
}
}  // namespace tapegrad::kernels::avx2
