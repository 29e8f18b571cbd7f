// out = params gathered along `axis` at `indices`: out.shape = params.shape[:axis] +
// indices.shape + params.shape[axis+1:].   dparams = unsorted_segment_sum(grad, indices,
// params.shape[axis]) along the same axis (dense, where TF gives IndexedSlices).
#include <cstring>
#include <limits>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = detail::segment_sum(g[0], e.saved[0], e.attrs.ints[1], e.attrs.ints[0]);
}
// out[o, j] = src[o, id[j]] (0 for a negative id) for one-element rows of type U; an id
// outside [lo, n) calls check(id), which throws naming the first bad one.
template <class U, class I, class Check>
void copy_rows(const void* src_, void* dst_, const I* id, i64 outer, i64 n, i64 k, i64 lo,
               const Check& check) {
  const U* src = static_cast<const U*>(src_);
  U* dst = static_cast<U*>(dst_);
  for (i64 o = 0; o < outer; ++o, src += n, dst += k)
    for (i64 j = 0; j < k; ++j) {
      const i64 v = id[j];
      if (v >= n || v < lo) check(id);
      dst[j] = v < 0 ? U(0) : src[v];
    }
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
  const i64 lo = drop_negatives ? std::numeric_limits<i64>::min() : 0;
  auto check = [&](const auto* id) {
    for (i64 j = 0; j < k; ++j)
      if (id[j] >= n || id[j] < lo)
        throw InvalidArgument("gather: indices[" + std::to_string(j) + "] = " + std::to_string(id[j]) +
                              " is not in [0, " + std::to_string(n) + ")");
  };
  Tensor out = Tensor::empty(params.dtype(), os, "gather");
  const std::size_t row = static_cast<std::size_t>(inner) * itemsize(params.dtype());
  {
    GilRelease nogil(out.numel() >= kGilReleaseElems);
    detail::with_indices(indices, [&](const auto* id) {
      // Rows of one element (a 1-D table, a gather along the last axis; bool, 32 and 64
      // bits) are copied as values, the range checked on the way (a check pass and a
      // memcpy call per 4-byte row took 5.6x numpy's take: 1M ids, 2.2 ms). A bad index
      // throws mid-copy; the partial result is dropped.
      if (outer == 0 || (row != 1 && row != 4 && row != 8)) check(id);
      if (outer == 0) return;
      if (row == 4) copy_rows<std::uint32_t>(params.raw(), out.raw(), id, outer, n, k, lo, check);
      else if (row == 8) copy_rows<std::uint64_t>(params.raw(), out.raw(), id, outer, n, k, lo, check);
      else if (row == 1) copy_rows<std::uint8_t>(params.raw(), out.raw(), id, outer, n, k, lo, check);
      else {
        const char* src = static_cast<const char*>(params.raw());
        char* dst = static_cast<char*>(out.raw());
        for (i64 o = 0; o < outer; ++o)
          for (i64 j = 0; j < k; ++j, dst += row) {
            const i64 v = id[j];
            if (v < 0) std::memset(dst, 0, row);
            else std::memcpy(dst, src + (o * n + v) * row, row);
          }
      }
    });
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
