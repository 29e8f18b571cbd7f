// The broadcasting engine behind every elementwise op (unary, binary, ternary kernels).
#pragma once
#include <vector>

#include "core/gil.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

namespace tapegrad::ops::detail {

Tensor unary(kernels::Unary k, const Tensor& x, const char* op);
Tensor binary(kernels::Binary k, const Tensor& a, const Tensor& b, const char* op);
Tensor ternary(kernels::Ternary k, const Tensor& g, const Tensor& a, const Tensor& b,
               const char* op);
// Reduces `axes` (normalized, sorted, unique) with keepdims; kernel only, records nothing.
Tensor reduce_impl(kernels::Reduce k, const Tensor& x, const std::vector<i64>& axes,
                   const char* op);
// Copies x broadcast to `shape` (kernel only, records nothing).
Tensor broadcast_copy(const Tensor& x, const Shape& shape, const char* op);
// An operand of the plain loops (comparisons, where, integer arithmetic) over an output of
// shape `os`: t itself when it already has that shape or one element (read with stride 0,
// see stride_of), else its broadcast copy.
inline Tensor expand_to(const Tensor& t, const Shape& os, const char* op) {
  return t.numel() == 1 || t.shape() == os ? t : broadcast_copy(t, os, op);
}
inline i64 stride_of(const Tensor& expanded) { return expanded.numel() == 1 ? 0 : 1; }
// The frame of a plain binary loop: the broadcast result of a's dtype (empty for no elements),
// then, with the GIL released for large ones, loop(ea, sa, eb, sb, out, n) where element i
// reads ea[i * sa] and eb[i * sb] (integer arithmetic, floordiv, floormod).
template <class Loop>
Tensor plain_binary(const Tensor& a, const Tensor& b, const char* op, Loop loop);
// o[i] = f(a[i * sa], b[i * sb]) for strides 0 or 1 (plain_binary's), one loop per case so
// the compiler vectorises the common ones (integer add 1M int32: 1.04 -> see RESULTS s25).
template <class T, class F>
void strided_loop(const T* a, i64 sa, const T* b, i64 sb, T* o, i64 n, F f) {
  if (sa && sb) for (i64 i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  else if (sa) { const T y = *b; for (i64 i = 0; i < n; ++i) o[i] = f(a[i], y); }
  else if (sb) { const T x = *a; for (i64 i = 0; i < n; ++i) o[i] = f(x, b[i]); }
  else if (n > 0) o[0] = f(*a, *b);
}
// Walks the elements of a tensor of shape s in order and calls f(i, off): element i folds
// into element off of the keepdims-shaped result ks (the reductions of the plain loops).
template <class F>
void for_each_reduced(const Shape& s, const Shape& ks, i64 n, F f) {
  i64 ostride[kMaxDims];
  i64 acc = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    ostride[d] = ks.d[d] == 1 && s.d[d] != 1 ? 0 : acc;
    acc *= ks.d[d];
  }
  i64 idx[kMaxDims] = {}, off = 0;
  for (i64 i = 0; i < n; ++i) {
    f(i, off);
    for (int d = s.ndim - 1; d >= 0; --d) {
      if (++idx[d] < s.d[d]) { off += ostride[d]; break; }
      off -= ostride[d] * (s.d[d] - 1);
      idx[d] = 0;
    }
  }
}
// Copies the box `count` from src (at src_begin) into dst (at dst_begin). Same dtype.
void copy_box(const Tensor& src, const i64* src_begin, const Tensor& dst, const i64* dst_begin,
              const Shape& count);
// Saved-attrs helper: gradient of a broadcast input is sum_to(grad, its shape).
inline Tensor unbroadcast(const Tensor& g, const Shape& shape);

}  // namespace tapegrad::ops::detail

#include "ops/ops.h"

namespace tapegrad::ops::detail {
// reduce_max / reduce_min (both defined in reduce_max.cc): the extreme over `axes`, recorded
// as `op`, and its vjp, which spreads the gradient evenly over the entries equal to the
// extreme (as TF).
Tensor reduce_extreme(kernels::Reduce k, const OpDef& op, const Tensor& x, const Axes& axes,
                      bool keepdims, const char* name);
void reduce_extreme_vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, bool is_min);

// Integer arithmetic (int_arith.cc): binary() and reduce_impl() send int32/int64 operands
// here (unary() too); only add, subtract, multiply, maximum, minimum, negative, abs, square,
// sign and the sum/max/min reductions exist for them.
bool int_binary_supported(kernels::Binary k);
bool int_unary_supported(kernels::Unary k);
Tensor int_unary(kernels::Unary k, const Tensor& x, const char* op);
Tensor int_binary(kernels::Binary k, const Tensor& a, const Tensor& b, const char* op);
Tensor int_reduce(kernels::Reduce k, const Tensor& x, const std::vector<i64>& axes, const char* op);
// C = op(A) op(B) for int32 / int64 (matmul's integer path; batch items as in gemm_into).
void int_gemm(const Tensor& a, i64 batch_a, i64 ra, i64 ca, bool ta, const Tensor& b, i64 batch_b,
              i64 rb, i64 cb, bool tb, const Tensor& c, i64 batch);

// floordiv (false) or floormod (true) of float or integer operands, numpy broadcasting, no
// recording (floordiv.cc).
Tensor floor_binary(bool mod, const Tensor& a, const Tensor& b, const char* op);

// gather / unsorted_segment_sum (gather.cc, unsorted_segment_sum.cc): an index tensor must
// be int32 or int64 (TypeError naming `op` and `what`); index_at reads element i as i64, and
// with_indices calls f(const I* data) with the indices' own type, for loops over all of them.
void require_indices(const Tensor& indices, const char* op, const char* what);
i64 index_at(const Tensor& indices, i64 i);
template <class F>
decltype(auto) with_indices(const Tensor& indices, F&& f) {
  if (indices.dtype() == DType::Int32) return f(indices.data<std::int32_t>());
  return f(indices.data<std::int64_t>());
}
// unsorted_segment_sum along `axis` (gather's vjp sums back along the axis it gathered);
// with sorted_op, the ids (1-D, axis 0) must also be sorted and non-negative, as
// tf.math.segment_sum (errors name sorted_op).
Tensor segment_sum(const Tensor& data, const Tensor& ids, i64 num_segments, i64 axis,
                   const char* sorted_op = nullptr);

inline Tensor unbroadcast(const Tensor& g, const Shape& shape) {
  return g.shape() == shape ? g : sum_to(g, shape);
}

template <class Loop>
Tensor plain_binary(const Tensor& a, const Tensor& b, const char* op, Loop loop) {
  const Shape os = a.shape() == b.shape() ? a.shape() : broadcast_shape(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(a.dtype(), os, op);
  const i64 n = out.numel();
  if (n == 0) return out;
  const Tensor ea = expand_to(a, os, op), eb = expand_to(b, os, op);
  GilRelease nogil(n >= kGilReleaseElems);
  loop(ea, stride_of(ea), eb, stride_of(eb), out, n);
  return out;
}
}  // namespace tapegrad::ops::detail
