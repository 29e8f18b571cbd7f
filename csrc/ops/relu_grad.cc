// y = g where x > 0 else 0   (ReLU's backward, one masked pass).
//   dg = relu_grad(grad, x)   dx = 0 (piecewise constant in x: zeros, not None, as TF's
//   ReluGrad gradient, so relu's second derivative is zeros)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  if (needs[0]) gin[0] = detail::unbroadcast(relu_grad(g[0], e.saved[0]), e.attrs.shape_a);
  if (needs[1]) gin[1] = zeros_like(e.saved[0]);
}
}  // namespace
const OpDef op_relu_grad{"relu_grad", vjp};

Tensor relu_grad(const Tensor& g, const Tensor& x) {
  Tensor y = detail::binary(kernels::Binary::ReluGrad, g, x, "relu_grad");
  if (should_record({g, x})) {
    Attrs at;
    at.shape_a = g.shape();
    record1(op_relu_grad, {g, x}, y, {x}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
