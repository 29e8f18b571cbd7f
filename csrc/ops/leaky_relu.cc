// y = x where x > 0, alpha x elsewhere (NaN stays NaN), as tf.nn.leaky_relu: one binary
// kernel pass with alpha broadcast.
//   dx = grad where x > 0, alpha grad elsewhere (at 0 and NaN too, as TF's LeakyReluGrad),
//   written alpha grad + (1 - alpha) relu_grad(grad, x): relu_grad is connected to x, so the
//   second derivative is zeros (not None), as TF's.
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  const Tensor& x = e.saved[0];
  const double alpha = e.attrs.f;
  const Tensor scaled = multiply(g[0], Tensor::scalar(x.dtype(), alpha));
  gin[0] = add(scaled, multiply(relu_grad(g[0], x), Tensor::scalar(x.dtype(), 1.0 - alpha)));
}
}  // namespace
const OpDef op_leaky_relu{"leaky_relu", vjp};

Tensor leaky_relu(const Tensor& x, double alpha) {
  require_floating(x.dtype(), "leaky_relu");
  Tensor y = detail::binary(kernels::Binary::LeakyRelu, x, Tensor::scalar(x.dtype(), alpha), "leaky_relu");
  if (should_record({x})) {
    Attrs at;
    at.f = alpha;
    record1(op_leaky_relu, {x}, y, {x}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
