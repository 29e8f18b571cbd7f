// The values of tf.math.(unsorted_)segment_max / min / prod: out[s] = the max (min, product)
// of the rows of data whose id is s, negative ids dropped. Not recorded: the Python layer
// (_segment_ops.py) gives these their TF gradients, which need the result and the rows.
// One pass over the ids, checked on the way (numpy's ufunc.at was 1.2 ms for 1M ids).
#include <limits>
#include <type_traits>
#include <vector>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {
template <class T>
T identity(SegmentReduce kind) {
  if (kind == SegmentReduce::Prod) return T(1);
  if constexpr (std::numeric_limits<T>::has_infinity)
    return kind == SegmentReduce::Max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else
    return kind == SegmentReduce::Max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

// numpy's maximum / minimum: a NaN on either side wins (x != x tests for NaN; `|`, not
// `||`, keeps the select branch-free: random ids made the branch a coin toss, 2x slower).
// Integer products wrap around as numpy's (computed unsigned: no signed overflow).
template <SegmentReduce kKind, class T>
T combine(T o, T x) {
  if constexpr (kKind == SegmentReduce::Prod) {
    if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<T>(static_cast<U>(o) * static_cast<U>(x));
    } else {
      return o * x;
    }
  } else if constexpr (kKind == SegmentReduce::Max) {
    return ((x > o) | (x != x)) ? x : o;
  } else {
    return ((x < o) | (x != x)) ? x : o;
  }
}

template <SegmentReduce kKind, class T, class I>
void reduce_rows(const T* src, const I* id, i64 m, i64 inner, i64 num_segments, T* dst,
                 char* touched, const char* op) {
  for (i64 j = 0; j < m; ++j) {
    const i64 v = id[j];
    if (v < 0) continue;
    if (v >= num_segments)
      throw InvalidArgument(std::string(op) + ": segment_ids[" + std::to_string(j) + "] = " +
                            std::to_string(v) + " is out of range [0, " +
                            std::to_string(num_segments) + ")");
    if (touched) touched[v] = 1;
    const T* s = src + j * inner;
    T* d = dst + v * inner;
    if (inner == 1) *d = combine<kKind>(*d, *s);
    else for (i64 i = 0; i < inner; ++i) d[i] = combine<kKind>(d[i], s[i]);
  }
}
}  // namespace

Tensor segment_reduce(const Tensor& data, const Tensor& ids, i64 num_segments, SegmentReduce kind,
                      bool empty_zero, const char* op) {
  detail::require_indices(ids, op, "segment_ids");
  if (data.dtype() == DType::Bool)
    throw TypeError(std::string(op) + ": data must be a float or integer tensor, got a bool tensor");
  const i64 m = ids.numel();
  if (data.ndim() < 1 || data.shape().d[0] != m)
    throw InvalidArgument(std::string(op) + ": data.shape " + data.shape().str() +
                          " must have as many rows as there are segment ids (" + std::to_string(m) + ")");
  if (num_segments < 0)
    throw InvalidArgument(std::string(op) + ": num_segments must be non-negative, got " +
                          std::to_string(num_segments));
  Shape os;
  os.push_back(num_segments);
  i64 inner = 1;
  for (int d = 1; d < data.ndim(); ++d) { os.push_back(data.shape().d[d]); inner *= data.shape().d[d]; }
  Tensor out = Tensor::empty(data.dtype(), os, op);
  GilRelease nogil(data.numel() >= kGilReleaseElems);
  detail::with_indices(ids, [&](const auto* id) {
    dispatch_all(data.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (!std::is_same_v<T, bool>) {
        const T* src = data.data<T>();
        T* dst = out.data<T>();
        const T init = identity<T>(kind);
        for (i64 i = 0; i < num_segments * inner; ++i) dst[i] = init;
        // An empty segment gets 0 (the sorted ops), else TF's numeric_limits<T>::lowest() /
        // max(): for floats -FLT_MAX / FLT_MAX, not the +-inf the pass starts from (a
        // segment of -inf alone still gives -inf).
        constexpr bool kInf = std::numeric_limits<T>::has_infinity;
        const bool fill_empty = empty_zero || (kInf && kind != SegmentReduce::Prod);
        const T empty = empty_zero ? T(0)
                        : kind == SegmentReduce::Max ? std::numeric_limits<T>::lowest()
                                                     : std::numeric_limits<T>::max();
        std::vector<char> touched(fill_empty ? static_cast<size_t>(num_segments) : 0);
        char* tp = fill_empty ? touched.data() : nullptr;
        if (kind == SegmentReduce::Max)
          reduce_rows<SegmentReduce::Max>(src, id, m, inner, num_segments, dst, tp, op);
        else if (kind == SegmentReduce::Min)
          reduce_rows<SegmentReduce::Min>(src, id, m, inner, num_segments, dst, tp, op);
        else
          reduce_rows<SegmentReduce::Prod>(src, id, m, inner, num_segments, dst, tp, op);
        if (fill_empty)
          for (i64 s = 0; s < num_segments; ++s)
            if (!touched[static_cast<size_t>(s)])
              for (i64 i = 0; i < inner; ++i) dst[s * inner + i] = empty;
      }
    });
  });
  return out;
}
}  // namespace tapegrad::ops
