// y = [x₀, x₁, …] joined along `axis`.   dxᵢ = slice(grad, offsetᵢ along axis, xᵢ.shape)
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Shape& gs = g[0].shape();
  i64 axis = e.attrs.ints[0];
  i64 offset = 0;
  for (int i = 0; i < e.in.size(); ++i) {
    i64 len = e.attrs.ints[i + 1];
    if (needs[i]) {
      std::vector<i64> begin(gs.ndim, 0), size(gs.d, gs.d + gs.ndim);
      begin[axis] = offset;
      size[axis] = len;
      gin[i] = slice(g[0], begin, size);
    }
    offset += len;
  }
}
}  // namespace
const OpDef op_concat{"concat", vjp};

Tensor concat(const std::vector<Tensor>& values, i64 axis_in) {
  if (values.empty()) throw ValueError("concat: expected a non-empty list of tensors");
  const Tensor& first = values[0];
  int nd = first.ndim();
  if (nd == 0) throw InvalidArgument("concat: can't concatenate scalars (use stack instead)");
  i64 axis = axis_in < 0 ? axis_in + nd : axis_in;
  if (axis < 0 || axis >= nd)
    throw InvalidArgument("concat: axis " + std::to_string(axis_in) + " is out of range for rank " + std::to_string(nd));
  Shape ys = first.shape();
  ys.d[axis] = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Tensor& v = values[i];
    check_same_dtype(first, v, "concat");
    bool ok = v.ndim() == nd;
    for (int d = 0; ok && d < nd; ++d) ok = d == axis || v.shape().d[d] == first.shape().d[d];
    if (!ok)
      throw InvalidArgument("ConcatOp : Dimensions of inputs should match: shape[0] = " +
                            first.shape().str() + " vs. shape[" + std::to_string(i) +
                            "] = " + v.shape().str());
    if (size_add_overflows(ys.d[axis], v.shape().d[axis], &ys.d[axis]))
      throw ValueError("concat: the sizes along axis " + std::to_string(axis) + " overflow");
  }
  Tensor y = Tensor::empty(first.dtype(), ys, "concat");
  i64 zero[kMaxDims] = {}, at[kMaxDims] = {};
  for (const Tensor& v : values) {
    detail::copy_box(v, zero, y, at, v.shape());
    at[axis] += v.shape().d[axis];
  }
  if (TapeStack::active() && any_input_watched(values.data(), static_cast<int>(values.size()))) {
    Attrs a;
    a.ints.push_back(axis);
    for (const Tensor& v : values) a.ints.push_back(v.shape().d[axis]);
    record(op_concat, values.data(), static_cast<int>(values.size()), &y, 1, {}, std::move(a));
  }
  return y;
}
}  // namespace tapegrad::ops
