// y = x with a new shape (shares x's buffer).   dx = reshape(grad, x.shape)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = reshape(g[0], e.attrs.shape_a);
}
}  // namespace
const OpDef op_reshape{"reshape", vjp};

Tensor reshape(const Tensor& x, const Shape& shape) {
  if (shape.numel() != x.numel())
    throw InvalidArgument("Cannot reshape a tensor with " + std::to_string(x.numel()) +
                          " elements to shape " + shape.str() + " (" +
                          std::to_string(shape.numel()) + " elements)");
  Tensor y = x.alias(shape);
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    record1(op_reshape, {x}, y, {}, std::move(at));
  }
  return y;
}

Tensor reshape(const Tensor& x, const std::vector<i64>& dims) {
  Shape s;
  int infer = -1;
  i64 known = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    i64 v = dims[i];
    if (v == -1) {
      if (infer >= 0) throw InvalidArgument("reshape: only one input size may be -1, not both " +
                                            std::to_string(infer) + " and " + std::to_string(i));
      infer = static_cast<int>(i);
      s.push_back(1);
      continue;
    }
    if (v < 0) throw InvalidArgument("reshape: size " + std::to_string(i) + " must be non-negative, not " + std::to_string(v));
    s.push_back(v);
  }
  // The product of the given sizes, checked as Tensor::empty checks shapes (the non-zero
  // sizes multiply to at most kMaxNumel): a larger one could not match x, and multiplying it
  // out would overflow int64 (undefined behaviour), which once let a wrapped product match.
  bool has_zero = false;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const i64 v = s.d[i];
    if (v == 0) {
      has_zero = true;
    } else if (known > kMaxNumel / v) {
      throw InvalidArgument("Cannot reshape a tensor with " + std::to_string(x.numel()) +
                            " elements to shape " + s.str() + " (too many elements)");
    } else {
      known *= v;
    }
  }
  if (has_zero) known = 0;
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      throw InvalidArgument("Input to reshape is a tensor with " + std::to_string(x.numel()) +
                            " values, but the requested shape cannot hold them: " + s.str());
    s.d[infer] = x.numel() / known;
  }
  return reshape(x, s);
}
}  // namespace tapegrad::ops
