// c = a / b.   da = sum_to(grad / b, a)   db = sum_to(grad * ((-a / b) / b), b)
// (TF's order: b * b would underflow for |b| < ~4e-23 in float32 and give inf / NaN.)
// (int32 / int32 and int64 / int64: float64, uint8 / uint8: float32, as TF's truediv;
// integers have no gradient.)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  if (needs[0]) gin[0] = detail::unbroadcast(divide(g[0], b), a.shape());
  if (needs[1])
    gin[1] = detail::unbroadcast(multiply(g[0], divide(negative(divide(a, b)), b)), b.shape());
}
}  // namespace
const OpDef op_divide{"divide", vjp};

Tensor divide(const Tensor& a, const Tensor& b) {
  // Integers divide as TF's truediv: int32 and int64 operands give a float64 quotient, uint8
  // ones a float32 quotient.
  if (is_integer(a.dtype()) && a.dtype() == b.dtype()) {
    const DType q = a.dtype() == DType::UInt8 ? DType::Float32 : DType::Float64;
    return divide(cast(a, q), cast(b, q));
  }
  Tensor c = detail::binary(kernels::Binary::Div, a, b, "divide");
  if (should_record({a, b})) record1(op_divide, {a, b}, c, {a, b});
  return c;
}
}  // namespace tapegrad::ops
