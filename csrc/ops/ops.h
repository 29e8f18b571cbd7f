// Every op's forward function. An op computes its result with kernels, then records itself
// on the active tapes (autograd/tape.h); its vjp, in the same file, uses only these functions.
#pragma once
#include <optional>
#include <vector>

#include "autograd/tape.h"
#include "core/tensor.h"
#include "kernels/kernels.h"

namespace tapegrad::ops {

#define TG_OP(name, kind) extern const OpDef op_##name;
#include "ops/ops.def"
#undef TG_OP

// UNARY rows
Tensor negative(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);      // gradient is zero (None)
Tensor square(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);       // 1 / sqrt(x)
Tensor reciprocal(const Tensor& x);  // 1 / x
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor erfc(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tan(const Tensor& x);
Tensor atan(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor identity(const Tensor& x);

// BINARY rows (numpy broadcasting; both operands of one dtype)
Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor floormod(const Tensor& a, const Tensor& b);  // a - floor(a / b) * b, the sign of b
Tensor relu_grad(const Tensor& g, const Tensor& x);  // g where x > 0, else 0

// OTHER rows
Tensor leaky_relu(const Tensor& x, double alpha);  // x > 0 ? x : alpha x, one pass
Tensor mask_ge(const Tensor& g, const Tensor& a, const Tensor& b);  // g where a >= b, else 0
Tensor mask_gt(const Tensor& g, const Tensor& a, const Tensor& b);  // g where a > b, else 0
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false,
              bool transpose_b = false);
// act(x @ kernel + bias) in one op; bias may be empty.
Tensor linear(const Tensor& x, const Tensor& kernel, const Tensor& bias, kernels::Act act);
// axes: nullopt = all (TF's axis=None); negative axes allowed; duplicates are an error.
using Axes = std::optional<std::vector<i64>>;
Tensor reduce_sum(const Tensor& x, const Axes& axes, bool keepdims);
Tensor reduce_mean(const Tensor& x, const Axes& axes, bool keepdims);
Tensor reduce_max(const Tensor& x, const Axes& axes, bool keepdims);
Tensor reduce_min(const Tensor& x, const Axes& axes, bool keepdims);
Tensor reduce_prod(const Tensor& x, const Axes& axes, bool keepdims);
Tensor cumsum(const Tensor& x, i64 axis, bool exclusive, bool reverse);
Tensor cumprod(const Tensor& x, i64 axis, bool exclusive, bool reverse);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
Tensor sum_to(const Tensor& x, const Shape& shape);  // sums broadcast dims away (inverse of above)
Tensor reshape(const Tensor& x, const std::vector<i64>& shape);  // one -1 allowed
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x, const std::vector<i64>& perm);  // empty perm = reversed
Tensor concat(const std::vector<Tensor>& values, i64 axis);
Tensor slice(const Tensor& x, const std::vector<i64>& begin, const std::vector<i64>& size);
Tensor pad(const Tensor& x, const std::vector<i64>& before, const std::vector<i64>& after);
Tensor softmax(const Tensor& x, i64 axis);
Tensor log_softmax(const Tensor& x, i64 axis);
Tensor cast(const Tensor& x, DType dtype);

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);  // x where cond, else y
// params gathered along `axis` at integer `indices` (TF's gather, batch_dims 0). An index out
// of [0, n) is an InvalidArgument; drop_negatives (the vjp of unsorted_segment_sum) gives 0
// for a negative index instead.
Tensor gather(const Tensor& params, const Tensor& indices, i64 axis, bool drop_negatives = false);
// Rows of data summed into num_segments segments by segment_ids (TF's; negative ids dropped).
Tensor unsorted_segment_sum(const Tensor& data, const Tensor& segment_ids, i64 num_segments);
// The sums of data's rows [splits[i], splits[i + 1]) (a ragged tensor's rows; row_splits_sum.cc).
Tensor row_splits_sum(const Tensor& data, const Tensor& splits);
// The same pass for a sum, product, max or min, not recorded (tapegrad.ragged gives max / min
// their gradients); an empty row holds 0 / 1 / the lowest / the highest value. Errors name op.
Tensor row_splits_reduce(kernels::Reduce kind, const Tensor& data, const Tensor& splits, const char* op);
// Sorted segment ids (tf.math.segment_*): ids must be 1-D, non-negative and non-decreasing
// (InvalidArgument naming `op` and the first offending position); returns max(id) + 1.
i64 sorted_segment_count(const Tensor& segment_ids, const char* op);
// tf.math.segment_sum: sorted ids, max(id) + 1 segments, checked in the summing pass.
Tensor sorted_segment_sum(const Tensor& data, const Tensor& segment_ids, const char* op);
// The values (not recorded) of the segment max / min / prod reductions: data's rows (its first
// dimension, one per id) reduced into num_segments rows, negative ids dropped; a segment with
// no rows holds the reduction's identity (-inf / lowest, inf / highest, 1) or, with
// empty_zero, 0 (tf.math.segment_max / min). Errors name `op`.
enum class SegmentReduce { Max, Min, Prod };
Tensor segment_reduce(const Tensor& data, const Tensor& segment_ids, i64 num_segments,
                      SegmentReduce kind, bool empty_zero, const char* op);

// Ops without a gradient (Note [Dtypes]): no ops.def row, since nothing is recorded. Each
// is one file too: compare.cc (comparisons and logic), bitwise.cc, argmax.cc, argsort.cc, one_hot.cc,
// floordiv.cc.
// floor(a / b) (float) or Python's a // b (int; division by zero is an InvalidArgument).
Tensor floordiv(const Tensor& a, const Tensor& b);
enum class Compare { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual };
enum class Logic { And, Or, Xor };
// bool tensor, numpy broadcasting; a and b of one dtype (any dtype; NaN compares as IEEE).
Tensor compare(Compare c, const Tensor& a, const Tensor& b, const char* op);
Tensor logical(Logic l, const Tensor& a, const Tensor& b, const char* op);  // bool operands
Tensor logical_not(const Tensor& x);
// tf.bitwise (bitwise.cc): int32/int64 operands of one dtype, numpy broadcasting; shift
// amounts clamped to [0, bits - 1] as TF's kernels.
enum class Bitwise { And, Or, Xor, LeftShift, RightShift };
Tensor bitwise(Bitwise k, const Tensor& a, const Tensor& b, const char* op);
Tensor bitwise_invert(const Tensor& x);
// reduce_any / reduce_all of a bool tensor.
Tensor reduce_logical(bool all, const Tensor& x, const Axes& axes, bool keepdims);
// Index of the largest (smallest) element along `axis`, the first one on ties; NaN is skipped
// (0 if all are NaN), as TF's kernel. out is Int32 or Int64.
Tensor arg_extreme(bool is_min, const Tensor& x, i64 axis, DType out);
// int32 indices of the first k (k < 0: all) elements along `axis` in ascending (descending)
// order, ties in index order, NaN above every number (argsort.cc; tf.argsort, sort, top_k).
// flat: int64 positions in x instead (what sort and top_k gather their values with).
Tensor argsort(const Tensor& x, i64 axis, bool descending, i64 k, const char* op, bool flat = false);
// Indices (int64, shape (n, rank)) of the true elements of a bool tensor, in row-major order.
Tensor where_true(const Tensor& cond);
// indices (int) → a new axis of size depth at `axis` holding on (one-element tensors of
// the result's dtype, read exactly) at each index and off elsewhere.
Tensor one_hot(const Tensor& indices, i64 depth, const Tensor& on, const Tensor& off, i64 axis);

// Composites (no row of their own: their gradient is their ops' gradients).
Tensor stop_gradient(const Tensor& x);
Tensor expand_dims(const Tensor& x, i64 axis);
Tensor squeeze(const Tensor& x, const std::vector<i64>& axes);
Tensor stack(const std::vector<Tensor>& values, i64 axis);
Tensor clip_by_value(const Tensor& x, const Tensor& lo, const Tensor& hi);
Tensor clip_by_norm(const Tensor& x, const Tensor& clip_norm, const std::vector<i64>& axes);
Tensor zeros_like(const Tensor& x);
Tensor ones_like(const Tensor& x);

// Shared helpers for op files.
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op);
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op);
std::vector<i64> normalize_axes(const std::vector<i64>& axes, int ndim, const char* op);
// The shape x would have after reducing `axes` with keepdims=true.
Shape keepdims_shape(const Shape& x, const std::vector<i64>& axes);
// The one axis an op runs along (argmax, argsort, cumsum, softmax), counted from 0; an
// InvalidArgument naming op for a scalar x or an axis out of range.
i64 single_axis(const Tensor& x, i64 axis, const char* op);
// The running sum (prod) of x along axis without recording (cumsum.cc): cumsum's and cumprod's
// forward; integers wrap on overflow.
Tensor scan(const Tensor& x, i64 axis, bool exclusive, bool reverse, bool prod, const char* op);
// The tape attributes of a scan: [axis (from 0), exclusive, reverse].
Attrs scan_attrs(const Tensor& x, i64 axis, bool exclusive, bool reverse, const char* op);
// Sorted, unique, non-negative axes (all of them for nullopt).
std::vector<i64> resolve_axes(const Axes& axes, int ndim, const char* op);
// x's shape without `axes` (or with them as 1 when keepdims).
Shape reduced_shape(const Shape& x, const std::vector<i64>& axes, bool keepdims);

}  // namespace tapegrad::ops
