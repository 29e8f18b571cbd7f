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
  // Checked: a product that wraps around must not pass for the input's count (a zero-sized
  // input would otherwise take any huge shape).
  i64 n = shape.checked_numel("reshape");
  if (n != x.numel())
    throw InvalidArgument("Cannot reshape a tensor with " + std::to_string(x.numel()) +
                          " elements to shape " + shape.str() + " (" + std::to_string(n) +
                          " elements)");
  Tensor y = x.alias(shape);
  if (should_record({x})) {
    Attrs at;
    at.shape_a = x.shape();
    record1(op_reshape, {x}, y, {}, std::move(at));
  }
  return y;
}

Tensor reshape(const Tensor& x, const std::vector<i64>& dims) {
  if (dims.size() > static_cast<std::size_t>(kMaxDims))
    throw ValueError("reshape: tapegrad supports tensors of rank at most " + std::to_string(kMaxDims) +
                     ", got a shape of rank " + std::to_string(dims.size()));
  Shape s;
  int infer = -1;
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
  if (infer >= 0) {
    // TF's rule: the -1 is the input's element count over the product of the other sizes,
    // zeros left out of both when the requested shape has a 0 (so [0, 4, 3] -> [0, -1] gives
    // [0, 12], an empty batch keeps its feature size).
    bool sizes_have_zero = false;
    Shape nonzero;
    for (int i = 0; i < s.ndim; ++i) {
      if (s.d[i] == 0) sizes_have_zero = true;
      else nonzero.push_back(s.d[i]);
    }
    const i64 known = nonzero.checked_numel("reshape");  // with 1 at the inferred dimension
    i64 elems = x.numel();
    bool input_has_zero = false;
    if (sizes_have_zero) {
      Shape in_nonzero;
      for (int i = 0; i < x.ndim(); ++i) {
        if (x.shape().d[i] == 0) input_has_zero = true;
        else in_nonzero.push_back(x.shape().d[i]);
      }
      elems = in_nonzero.checked_numel("reshape");
    }
    if (!input_has_zero && elems % known != 0)
      throw InvalidArgument("Input to reshape is a tensor with " + std::to_string(x.numel()) +
                            " values, but the requested shape cannot hold them: " + s.str());
    s.d[infer] = elems / known;
  }
  return reshape(x, s);
}
}  // namespace tapegrad::ops
