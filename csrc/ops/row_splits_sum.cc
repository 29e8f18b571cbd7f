// out[i, ...] = Σ data[splits[i] : splits[i + 1], ...]: the sums of a ragged tensor's rows
// (its values cut at row_splits), tf.reduce_sum(rt, axis=1) for ragged rank 1; 0 for an
// empty row. It reads the splits, not one segment id per value as unsorted_segment_sum does
// (8 bytes of ids per 4 of float32 values): each row is one contiguous run, summed by the
// reduction kernel (Note [Blocked sums]); rows go to threads in contiguous chunks.
//   ddata = gather(grad, row ids)   (every value gets its row's gradient)
// row_splits_reduce is the same pass for a product, max or min too (not recorded:
// tapegrad.ragged gives the ragged max / min their TF gradients).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "core/gil.h"
#include "kernels/threadpool.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
constexpr const char* kOp = "row_splits_sum";

// The row of every value: row i repeated splits[i + 1] - splits[i] times.
Tensor row_ids(const Tensor& splits, i64 nvals) {
  Tensor ids = Tensor::empty(DType::Int64, Shape{nvals}, kOp);
  std::int64_t* p = ids.data<std::int64_t>();
  const i64 rows = splits.numel() - 1;
  detail::with_indices(splits, [&](const auto* s) {
    for (i64 i = 0; i < rows; ++i)
      for (i64 j = s[i]; j < s[i + 1]; ++j) p[j] = i;
  });
  return ids;
}

void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = gather(g[0], row_ids(e.saved[0], e.attrs.ints[0]), 0);
}
}  // namespace
const OpDef op_row_splits_sum{"row_splits_sum", vjp};

Tensor row_splits_reduce(kernels::Reduce kind, const Tensor& data, const Tensor& splits, const char* op) {
  require_numeric(data.dtype(), op);
  detail::require_indices(splits, op, "row_splits");
  if (data.ndim() < 1)
    throw InvalidArgument(std::string(op) + ": data must have rank >= 1, got a scalar");
  if (splits.ndim() != 1 || splits.numel() < 1)
    throw InvalidArgument(std::string(op) + ": row_splits must be a non-empty vector, got shape " +
                          splits.shape().str());
  const i64 nvals = data.shape()[0], rows = splits.numel() - 1;
  // A valid partition: starts at 0, never decreases, ends at the number of values.
  detail::with_indices(splits, [&](const auto* s) {
    auto bad = [&](const std::string& why) {
      throw InvalidArgument(std::string(op) + ": " + why + " (the arguments do not form a valid RaggedTensor)");
    };
    if (s[0] != 0) bad("row_splits[0] must be 0, got " + std::to_string(s[0]));
    for (i64 i = 0; i < rows; ++i)
      if (s[i + 1] < s[i])
        bad("row_splits must be sorted in ascending order, got row_splits[" + std::to_string(i) + "] = " +
            std::to_string(s[i]) + " > row_splits[" + std::to_string(i + 1) + "] = " + std::to_string(s[i + 1]));
    if (s[rows] != nvals)
      bad("row_splits[-1] = " + std::to_string(s[rows]) + " must equal the number of values " +
          std::to_string(nvals) + " (values shape " + data.shape().str() + ")");
  });
  Shape os = data.shape();
  os.d[0] = rows;
  const i64 inner = nvals ? data.numel() / nvals : os.numel() / std::max<i64>(rows, 1);
  Tensor out = Tensor::empty(data.dtype(), os, op);
  if (out.numel() == 0) return out;
  GilRelease nogil(data.numel() >= kGilReleaseElems);
  detail::with_indices(splits, [&](const auto* s) {
    dispatch_all(data.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (!std::is_same_v<T, bool>) {
        using L = std::numeric_limits<T>;
        // An empty row, as TF: 0 for a sum, 1 for a product, the lowest / highest value (not
        // -inf / inf) for a max / min.
        const T empty = kind == kernels::Reduce::Sum    ? T(0)
                        : kind == kernels::Reduce::Prod ? T(1)
                        : kind == kernels::Reduce::Max  ? L::lowest()
                                                        : L::max();
        const T* src = data.data<T>();
        T* dst = out.data<T>();
        auto reduce_rows = [&](i64 b, i64 e) {
          for (i64 i = b; i < e; ++i) {
            const i64 r0 = s[i], len = s[i + 1] - r0;
            T* o = dst + i * inner;
            if (len == 0) {
              for (i64 c = 0; c < inner; ++c) o[c] = empty;
            } else if constexpr (std::is_floating_point_v<T>) {
              kernels::set<T>().reduce[int(kind)](src + r0 * inner, 1, len, inner, o);
            } else {  // sums and products wrap, as TF's (computed unsigned: no signed overflow)
              using U = std::make_unsigned_t<T>;
              for (i64 c = 0; c < inner; ++c) {
                T acc = src[r0 * inner + c];
                for (i64 j = 1; j < len; ++j) {
                  const T x = src[(r0 + j) * inner + c];
                  switch (kind) {
                    case kernels::Reduce::Sum: acc = static_cast<T>(static_cast<U>(acc) + static_cast<U>(x)); break;
                    case kernels::Reduce::Prod: acc = static_cast<T>(static_cast<U>(acc) * static_cast<U>(x)); break;
                    case kernels::Reduce::Max: acc = x > acc ? x : acc; break;
                    default: acc = x < acc ? x : acc; break;
                  }
                }
                o[c] = acc;
              }
            }
          }
        };
        const int threads = num_threads();
        if (threads > 1 && rows >= 2 && data.numel() >= (i64(1) << 16))
          parallel_for(rows, threads, reduce_rows);
        else
          reduce_rows(0, rows);
      }
    });
  });
  return out;
}

Tensor row_splits_sum(const Tensor& data, const Tensor& splits) {
  Tensor out = row_splits_reduce(kernels::Reduce::Sum, data, splits, kOp);
  if (is_floating(data.dtype()) && should_record({data})) {
    Attrs at;
    at.ints.push_back(data.shape()[0]);
    record1(op_row_splits_sum, {data}, out, {splits}, std::move(at));
  }
  return out;
}
}  // namespace tapegrad::ops
