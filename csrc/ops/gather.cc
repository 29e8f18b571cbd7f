// out = params gathered along `axis` at `indices`: out.shape = params.shape[:axis] +
// indices.shape + params.shape[axis+1:].   dparams = unsorted_segment_sum(grad, indices,
// params.shape[axis]) along the same axis (dense, where TF gives IndexedSlices).
#include <cstring>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = detail::segment_sum(g[0], e.saved[0], e.attrs.ints[1], e.attrs.ints[0]);
}
}  // namespace
const OpDef op_gather{"gather", vjp};

i64 detail::index_at(const Tensor& indices, i64 i) {
  return indices.dtype() == DType::Int32 ? indices.data<std::int32_t>()[i]
                                         : indices.data<std::int64_t>()[i];
}

void detail::require_indices(const Tensor& indices, const char* op, const char* what) {
  if (indices.dtype() != DType::Int32 && indices.dtype() != DType::Int64)
    throw TypeError(std::string(op) + ": " + what + " must be an int32 or int64 tensor, got " +
                    a_dtype(indices.dtype()) + " tensor (cast it with tapegrad.cast)");
}

Tensor gather(const Tensor& params, const Tensor& indices, i64 axis_in, bool drop_negatives) {
  detail::require_indices(indices, "gather", "indices");
  const int nd = params.ndim();
  if (nd == 0) throw InvalidArgument("gather: params must be at least 1-D, got a scalar");
  const i64 axis = axis_in < 0 ? axis_in + nd : axis_in;
  if (axis < 0 || axis >= nd)
    throw InvalidArgument("gather: axis " + std::to_string(axis_in) +
                          " is out of range for params of rank " + std::to_string(nd));
  const Shape& ps = params.shape();
  Shape os;
  i64 outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) { os.push_back(ps.d[d]); outer *= ps.d[d]; }
  for (int d = 0; d < indices.ndim(); ++d) os.push_back(indices.shape().d[d]);
  for (int d = static_cast<int>(axis) + 1; d < nd; ++d) { os.push_back(ps.d[d]); inner *= ps.d[d]; }
  if (os.ndim > kMaxDims)
    throw InvalidArgument("gather: the result would have rank " + std::to_string(os.ndim) +
                          " (at most " + std::to_string(kMaxDims) + ")");
  const i64 n = ps.d[axis], k = indices.numel();
  for (i64 j = 0; j < k; ++j) {
    const i64 v = detail::index_at(indices, j);
    if (v >= n || (v < 0 && !drop_negatives))
      throw InvalidArgument("gather: indices[" + std::to_string(j) + "] = " + std::to_string(v) +
                            " is not in [0, " + std::to_string(n) + ")");
  }
  Tensor out = Tensor::empty(params.dtype(), os, "gather");
  const std::size_t row = static_cast<std::size_t>(inner) * itemsize(params.dtype());
  const char* src = static_cast<const char*>(params.raw());
  char* dst = static_cast<char*>(out.raw());
  {
    GilRelease nogil(out.numel() >= kGilReleaseElems);
    for (i64 o = 0; o < outer; ++o)
      for (i64 j = 0; j < k; ++j, dst += row) {
        const i64 v = detail::index_at(indices, j);
        if (v < 0) std::memset(dst, 0, row);
        else std::memcpy(dst, src + (o * n + v) * row, row);
      }
  }
  if (should_record({params})) {
    Attrs at;
    at.ints.push_back(axis);
    at.ints.push_back(n);
    record1(op_gather, {params}, out, {indices}, std::move(at));
  }
  return out;
}
}  // namespace tapegrad::ops
