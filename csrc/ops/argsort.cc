// argsort along one axis (tf.argsort, and the indices of tf.sort and tf.math.top_k): int32
// indices of the first k elements in ascending or descending order (or, `flat`, int64
// positions in x, which tf.sort and top_k gather their values with). Ties keep their original
// order (the lower index first, as TF's stable sort and top_k); NaN counts as larger than every
// number (numpy's order): last ascending, first descending. No gradient (an integer result):
// sort and top_k gather their values with these indices, and the gather carries the gradient.
//
// Note [Sort keys]
// Each value becomes an unsigned key of its width whose integer order is the wanted order
// (floats: sign-magnitude flipped to two's-complement order, -0 folded onto +0, every NaN the
// largest key; ints: the sign bit flipped; descending: the complement). The sort then never
// looks at a float. 32-bit keys travel with their index in one 64-bit word (key << 32 | index),
// so plain integer order is the stable order; 64-bit keys travel as (key, index) pairs. Lines
// of kRadixMin elements and up are LSD radix sorts on the key bytes, stable by
// construction: a few passes over contiguous words instead of O(n log n) compares, each a
// likely branch misprediction (std::sort took 25 µs per line of 1000 floats, radix 4). top_k takes
// the first k with std::partial_sort on the same words.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/gil.h"
#include "kernels/threadpool.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {

constexpr i64 kRadixMin = 128;  // below, std::sort (fewer passes over a short line)

template <class T>
using KeyOf = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

// Note [Sort keys]: integer order of the key = the sort order of the value.
template <class T>
KeyOf<T> sort_key(T v, bool descending) {
  using K = KeyOf<T>;
  constexpr K kSign = K(1) << (8 * sizeof(K) - 1);
  K k;
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(v)) {
      k = ~K(0);
    } else {
      if (v == 0) v = 0;  // -0 == +0: one key, ties in index order
      std::memcpy(&k, &v, sizeof(k));
      k = (k & kSign) ? ~k : (k | kSign);
    }
  } else {
    k = static_cast<K>(v) ^ kSign;
  }
  return descending ? ~k : k;
}

// One sortable word per element: 32-bit keys with the index in the low half; 64-bit keys
// as pairs ordered by key, then index.
struct Wide {
  std::uint64_t key;
  std::uint32_t idx;
  bool operator<(const Wide& o) const { return key < o.key || (key == o.key && idx < o.idx); }
};
inline std::uint64_t word_key(std::uint64_t w) { return w >> 32; }
inline std::uint64_t word_key(const Wide& w) { return w.key; }
inline std::int32_t word_index(std::uint64_t w) { return static_cast<std::int32_t>(w & 0xffffffffu); }
inline std::int32_t word_index(const Wide& w) { return static_cast<std::int32_t>(w.idx); }

// Stable LSD radix sort of words by their key bytes: one pass counts every byte, then one
// scatter pass per byte that differs between keys (tmp has the size of w).
template <class W>
void radix_sort(std::vector<W>& w, std::vector<W>& tmp, int key_bytes) {
  std::size_t count[8][257] = {};
  for (const W& x : w) {
    const std::uint64_t key = word_key(x);
    for (int b = 0; b < key_bytes; ++b) ++count[b][(key >> (8 * b) & 0xff) + 1];
  }
  for (int b = 0; b < key_bytes; ++b) {
    std::size_t* c = count[b];
    if (c[(word_key(w[0]) >> (8 * b) & 0xff) + 1] == w.size()) continue;  // one value: no-op pass
    for (int d = 0; d < 256; ++d) c[d + 1] += c[d];
    for (const W& x : w) tmp[c[word_key(x) >> (8 * b) & 0xff]++] = x;
    w.swap(tmp);
  }
}

// Lines [b, e) of x viewed as [outer, n, inner] (line = o * inner + i): the first k indices of
// each in order, into out viewed as [outer, k, inner] (flat: as positions in x).
template <class T, class I>
void sort_lines(const T* x, i64 n, i64 inner, i64 k, bool descending, bool flat, I* out, i64 b,
                i64 e) {
  using W = std::conditional_t<sizeof(T) == 4, std::uint64_t, Wide>;
  std::vector<W> w(static_cast<std::size_t>(n)), tmp;
  for (i64 line = b; line < e; ++line) {
    const i64 o = line / inner, i = line % inner;
    const T* src = x + o * n * inner + i;
    for (i64 j = 0; j < n; ++j) {
      const auto key = sort_key(src[j * inner], descending);
      if constexpr (sizeof(T) == 4) w[j] = std::uint64_t(key) << 32 | std::uint64_t(j);
      else w[j] = Wide{key, static_cast<std::uint32_t>(j)};
    }
    if (k < n) {
      std::partial_sort(w.begin(), w.begin() + k, w.end());
    } else if (n >= kRadixMin) {
      tmp.resize(w.size());
      radix_sort(w, tmp, int(sizeof(T)));
    } else {
      std::sort(w.begin(), w.end());
    }
    I* dst = out + o * k * inner + i;
    // flat: the element's position in x itself (o * n * inner + index * inner + i)
    const i64 base = flat ? o * n * inner + i : 0, scale = flat ? inner : 1;
    for (i64 j = 0; j < k; ++j) dst[j * inner] = static_cast<I>(base + word_index(w[j]) * scale);
  }
}

}  // namespace

Tensor argsort(const Tensor& x, i64 axis, bool descending, i64 k, const char* op, bool flat) {
  require_numeric(x.dtype(), op);
  const int nd = x.ndim();
  const i64 a = single_axis(x, axis, op);
  const Shape& s = x.shape();
  const i64 n = s.d[a];
  if (n > std::numeric_limits<std::int32_t>::max())
    throw InvalidArgument(std::string(op) + ": the sorted dimension has " + std::to_string(n) +
                          " elements, more than int32 indices can address");
  if (k < 0) k = n;
  if (k > n)
    throw InvalidArgument(std::string(op) + ": input must have at least k = " + std::to_string(k) +
                          " elements along the sorted dimension, got shape " + s.str());
  i64 outer = 1, inner = 1;
  for (int d = 0; d < nd; ++d) {
    if (d < a) outer *= s.d[d];
    if (d > a) inner *= s.d[d];
  }
  Shape os = s;
  os.d[a] = k;
  Tensor out = Tensor::empty(flat ? DType::Int64 : DType::Int32, os, op);
  const i64 lines = outer * inner;
  if (out.numel() == 0) return out;
  GilRelease nogil(x.numel() >= kGilReleaseElems);
  dispatch_all(x.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_same_v<T, bool>) {
      auto run = [&](i64 b, i64 e) {
        if (flat) sort_lines(x.data<T>(), n, inner, k, descending, true, out.data<std::int64_t>(), b, e);
        else sort_lines(x.data<T>(), n, inner, k, descending, false, out.data<std::int32_t>(), b, e);
      };
      // Lines go to threads whole: a line's order never depends on the split.
      if (lines >= 2 && x.numel() >= (i64(1) << 15)) parallel_for(lines, num_threads(), run);
      else run(0, lines);
    }
  });
  return out;
}
}  // namespace tapegrad::ops
