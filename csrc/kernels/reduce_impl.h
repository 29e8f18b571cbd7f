// SIMD reductions over [outer, r, inner] (sum, max, min, product) and the nn.linear act_grad (gout and the
// column-sum dbias in one pass), written once on simd_vec.h and instantiated per ISA folder.
//
// Include with TG_SIMD_NS defined (see simd_vec.h); the TU defines struct Isa (F32, F64) and
// calls fill_reduce<Isa>(t).
//
// Note [Blocked sums]
// A float32 sum over 10^7 elements must stay near numpy's pairwise error. Rows (inner == 1)
// are summed in blocks of 32 vectors into 4 independent vector accumulators (each lane adds
// only 8 numbers), and the block sums are added into a Kahan-compensated vector; columns
// (inner > 1) add blocks of kRowBlock rows into a tile buffer the same way, then Kahan-add the
// buffer. The error is thus that of a 32-term naive sum plus ~2 eps, for any length.
// Threads: several rows/tiles are split over threads whole (results independent of the thread
// count); a single long row or a single column tile is split into num_threads() pieces whose
// partial sums are added in piece order, so a result is deterministic for a thread count.
#pragma once
#ifndef TG_SIMD_NS
#error "define TG_SIMD_NS (avx2 or avx512) before including kernels/reduce_impl.h"
#endif
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/simd_vec.h"

namespace tapegrad::kernels::TG_SIMD_NS {

inline constexpr i64 kReduceThreshold = 256 * 1024;  // elements before threads pay
inline constexpr i64 kRowBlock = 32;                  // rows per naive block (Note [Blocked sums])
inline constexpr i64 kRowGroup = 8;                   // rows combined in registers (Note [Column-sum prefetch])
inline constexpr i64 kMaxPieces = 16;
inline constexpr i64 kDeepPrefetchBytes = i64(16) << 20;  // Note [Column-sum prefetch]

template <class I, class T>
using RVecFor = std::conditional_t<std::is_same_v<T, float>, typename I::F32, typename I::F64>;

// max (kMin: min) that propagates NaN from either side: x86 max/min(x, acc) returns acc if
// either is NaN (so a NaN acc sticks); a NaN x is taken explicitly.
template <class V, bool kMin = false> inline typename V::reg nan_max(typename V::reg acc, typename V::reg x) {
  return V::select(V::unord(x, x), kMin ? V::min(x, acc) : V::max(x, acc), x);
}
// The largest (kMin: smallest) lane, NaN if any lane is; the smallest is -max(-v).
template <class V, bool kMin = false> inline typename V::T hmax_nan(typename V::reg v) {
  if (V::any(V::unord(v, v))) return typename V::T(__builtin_nan(""));
  return kMin ? -V::hmax(V::bit_xor(v, V::set1(typename V::T(-0.0)))) : V::hmax(v);
}
// The identity of max (kMin: of min).
template <class T, bool kMin = false> constexpr T max_identity() { return kMin ? T(__builtin_inf()) : -T(__builtin_inf()); }

// ---- one contiguous row -----------------------------------------------------------------

template <class V> typename V::T row_sum(const typename V::T* x, i64 n) {
  using reg = typename V::reg;
  constexpr int W = V::W;
  constexpr i64 kBlock = 32 * W;
  KahanVec<V> k;
  i64 i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    reg a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
    for (i64 j = i; j < i + kBlock; j += 4 * W) {
      a0 = V::add(a0, V::load(x + j));
      a1 = V::add(a1, V::load(x + j + W));
      a2 = V::add(a2, V::load(x + j + 2 * W));
      a3 = V::add(a3, V::load(x + j + 3 * W));
    }
    k.add(V::add(V::add(a0, a1), V::add(a2, a3)));
  }
  reg a = V::zero();
  for (; i + W <= n; i += W) a = V::add(a, V::load(x + i));
  if (i < n) a = V::add(a, V::load_tail(x + i, V::tail(n - i)));
  k.add(a);
  return k.total();
}

template <class V, bool kMin = false> typename V::reg row_max_vec(const typename V::T* x, i64 n) {
  using reg = typename V::reg;
  constexpr int W = V::W;
  const reg ninf = V::set1(max_identity<typename V::T, kMin>());
  reg a0 = ninf, a1 = ninf, a2 = ninf, a3 = ninf;
  i64 i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = nan_max<V, kMin>(a0, V::load(x + i));
    a1 = nan_max<V, kMin>(a1, V::load(x + i + W));
    a2 = nan_max<V, kMin>(a2, V::load(x + i + 2 * W));
    a3 = nan_max<V, kMin>(a3, V::load(x + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = nan_max<V, kMin>(a0, V::load(x + i));
  if (i < n) a0 = nan_max<V, kMin>(a0, V::load_tail_or(x + i, V::tail(n - i), ninf));
  return nan_max<V, kMin>(nan_max<V, kMin>(a0, a1), nan_max<V, kMin>(a2, a3));
}

// The product of a row in T, from 4 vector accumulators (the order differs from a running
// product by rounding only: each factor is one correctly rounded multiply either way).
template <class V> typename V::T row_prod(const typename V::T* x, i64 n) {
  using reg = typename V::reg;
  using T = typename V::T;
  constexpr int W = V::W;
  const reg one = V::set1(T(1));
  reg a0 = one, a1 = one, a2 = one, a3 = one;
  i64 i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = V::mul(a0, V::load(x + i));
    a1 = V::mul(a1, V::load(x + i + W));
    a2 = V::mul(a2, V::load(x + i + 2 * W));
    a3 = V::mul(a3, V::load(x + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = V::mul(a0, V::load(x + i));
  if (i < n) a0 = V::mul(a0, V::load_tail_or(x + i, V::tail(n - i), one));
  alignas(64) T lane[W];
  V::store(lane, V::mul(V::mul(a0, a1), V::mul(a2, a3)));
  T p = lane[0];
  for (int l = 1; l < W; ++l) p *= lane[l];
  return p;
}

struct SumOp {
  template <class V> static typename V::reg combine(typename V::reg a, typename V::reg b) { return V::add(a, b); }
  template <class V> static typename V::T row(const typename V::T* x, i64 n) { return row_sum<V>(x, n); }
  template <class T> static T merge(T a, T b) { return a + b; }
  template <class T> static constexpr T identity() { return T(0); }
  static constexpr bool kKahan = true;
};
// max, or with kMin min; NaN propagates (np.max / np.min).
template <bool kMin> struct ExtremeOp {
  template <class V> static typename V::reg combine(typename V::reg a, typename V::reg b) { return nan_max<V, kMin>(a, b); }
  template <class V> static typename V::T row(const typename V::T* x, i64 n) { return hmax_nan<V, kMin>(row_max_vec<V, kMin>(x, n)); }
  template <class T> static T merge(T a, T b) {
    return ((kMin ? b < a : b > a) || b != b || a != a) ? (a != a ? a : b) : a;
  }
  template <class T> static constexpr T identity() { return max_identity<T, kMin>(); }
  static constexpr bool kKahan = false;
};
using MaxOp = ExtremeOp<false>;
using MinOp = ExtremeOp<true>;
struct ProdOp {
  template <class V> static typename V::reg combine(typename V::reg a, typename V::reg b) { return V::mul(a, b); }
  template <class V> static typename V::T row(const typename V::T* x, i64 n) { return row_prod<V>(x, n); }
  template <class T> static T merge(T a, T b) { return a * b; }
  template <class T> static constexpr T identity() { return T(1); }
  static constexpr bool kKahan = false;
};

// ---- column tiles: res[0:cw] = reduce over rows [r0, r1) of src(row, c0 .. c0+cw) ---------

// Src: reg load(row, col), reg load_tail(row, col, tmask) (lanes past the tail may be anything).
template <class V> constexpr i64 tile_cols() { return 2048 / i64(sizeof(typename V::T)); }

template <class V, class Op, class Src>
void col_tile(Src& src, i64 r0, i64 r1, i64 c0, i64 cw, typename V::T* res) {
  using T = typename V::T;
  using reg = typename V::reg;
  constexpr int W = V::W;
  constexpr i64 CT = tile_cols<V>();
  // Row buffers: on the stack for a narrow tile, else one heap block (no std containers here).
  alignas(64) T stack_buf[3 * CT];
  const i64 padded = (cw + W - 1) / W * W;
  T* heap = padded > CT ? static_cast<T*>(__builtin_malloc(3 * padded * sizeof(T) + 64)) : nullptr;
  if (padded > CT && !heap) __builtin_trap();
  T* base = heap ? reinterpret_cast<T*>((reinterpret_cast<std::uintptr_t>(heap) + 63) & ~std::uintptr_t(63))
                 : stack_buf;
  const i64 stride = heap ? padded : CT;
  T* blk = base;
  T* acc = base + stride;
  T* cmp = base + 2 * stride;
  const i64 nv = cw / W, rem = cw - nv * W, nvec = nv + (rem ? 1 : 0);
  const auto tm = V::tail(rem ? rem : 1);
  // Rows [row, row + k), k <= kRowGroup, into blk: the k rows are combined in registers
  // first (a tree for a whole group), so blk is read and written once per group.
  // Note [Column-sum prefetch]: the rows of a group are kRowGroup interleaved streams, each
  // only a row long. Groups of 8 rows with no software prefetch were the fastest on a Zen 3
  // core (interleaved in one process against 4-row groups prefetching the next 4 rows, or
  // 8 when one thread ran a tile past kDeepPrefetchBytes; float32 sums over axis 0, session
  // 21): 1 thread 256x512 / 1024^2 / 256x4096 / 64x16384 1.8-2.0x, 4096x256 1.67x, 4096^2
  // 1.35x, 1024x16384 1.72x, 16384x1024 1.13x; 2 threads 1.05-1.85x (bench/RESULTS.md).
  // The prefetches were most of the loss in cache (up to 70 % slower than without them).
  // Only DRAM-sized tiles of short rows (<= 2 KiB; 65536x256, where the prefetcher restarts
  // every 1 KiB) still fetch the next group: without it they were 17-19 % slower. There
  // 1 thread stayed 8 % behind the old 4-row groups, the one case that did.
  const bool ahead_ok = (r1 - r0) * cw * i64(sizeof(T)) >= kDeepPrefetchBytes &&
                        cw * i64(sizeof(T)) <= 2048;
  auto rows_into = [&](i64 row, i64 k, bool first) {
    auto one = [&](i64 v, auto ld) {
      auto c = [](reg a, reg b) { return Op::template combine<V>(a, b); };
      reg x;
      if (k == 8) {
        x = c(c(c(ld(row), ld(row + 1)), c(ld(row + 2), ld(row + 3))),
              c(c(ld(row + 4), ld(row + 5)), c(ld(row + 6), ld(row + 7))));
      } else {
        x = ld(row);
        for (i64 j = 1; j < k; ++j) x = c(x, ld(row + j));
      }
      V::store(blk + v * W, first ? x : c(V::load(blk + v * W), x));
    };
    const bool ahead = ahead_ok && k == kRowGroup && row + 2 * kRowGroup <= r1;
    for (i64 v = 0; v < nv; ++v) {
      if (ahead && (v * W * i64(sizeof(T))) % 64 == 0)
        for (i64 j = kRowGroup; j < 2 * kRowGroup; ++j) src.prefetch(row + j, c0 + v * W);
      one(v, [&](i64 r) { return src.load(r, c0 + v * W); });
    }
    if (rem) one(nv, [&](i64 r) { return src.load_tail(r, c0 + nv * W, tm); });
  };
  bool have = false;
  for (i64 rb = r0; rb < r1; rb += kRowBlock) {
    const i64 re = imin(rb + kRowBlock, r1);
    for (i64 row = rb; row < re; row += kRowGroup) rows_into(row, imin(kRowGroup, re - row), row == rb);
    for (i64 v = 0; v < nvec; ++v) {
      reg b = V::load(blk + v * W);
      if constexpr (Op::kKahan) {
        reg s = have ? V::load(acc + v * W) : V::zero();
        reg c = have ? V::load(cmp + v * W) : V::zero();
        reg y = V::sub(b, c);
        reg t = V::add(s, y);
        reg cn = V::sub(V::sub(t, s), y);
        V::store(cmp + v * W, V::keep(V::eq(cn, cn), cn));  // inf sums: see KahanVec
        V::store(acc + v * W, t);
      } else {
        V::store(acc + v * W, have ? Op::template combine<V>(V::load(acc + v * W), b) : b);
      }
    }
    have = true;
  }
  for (i64 v = 0; v < nvec; ++v) {
    reg r = have ? V::load(acc + v * W) : V::set1(Op::template identity<T>());
    if constexpr (Op::kKahan)
      if (have) r = V::sub(r, V::load(cmp + v * W));
    if (v < nv) V::store(res + v * W, r);
    else V::store_tail(res + v * W, tm, r);
  }
  if (heap) __builtin_free(heap);
}

// res[0:inner] for each of `outer` slabs: slab o reduces rows [0, r) of make_src(o) into
// res + o * inner. Splits column ranges (or, for one narrow range, row pieces) over threads
// (Note [Blocked sums]).
template <class V, class Op, class MakeSrc>
void col_reduce(i64 outer, i64 r, i64 inner, MakeSrc make_src, typename V::T* res) {
  using T = typename V::T;
  constexpr i64 CT = tile_cols<V>();
  if (outer <= 0 || inner <= 0) return;
  // Each item walks all r rows of one column range, reading each row's range contiguously
  // (a tile buffer per range, so memory streams in order); ranges are split over threads.
  const int threads = num_threads();
  const bool par = threads > 1 && outer * r * inner >= kReduceThreshold;
  constexpr int W = V::W;
  const i64 chunks = (par && inner > CT) ? imin<i64>(threads, (inner + W - 1) / W) : 1;
  const i64 items = outer * chunks;
  auto do_items = [&](i64 b, i64 e) {
    for (i64 it = b; it < e; ++it) {
      i64 o = it / chunks, ch = it % chunks;
      // chunk bounds on vector multiples so only the last chunk has a tail
      i64 nvec = (inner + W - 1) / W;
      i64 c0 = imin(inner, nvec * ch / chunks * W), c1 = imin(inner, nvec * (ch + 1) / chunks * W);
      if (c0 >= c1) continue;
      auto src = make_src(o);
      col_tile<V, Op>(src, 0, r, c0, c1 - c0, res + o * inner + c0);
    }
  };
  if (!par) return do_items(0, items);
  if (items >= 2) return parallel_for(items, threads, [&](i64 b, i64 e) { do_items(b, e); });
  // One narrow range (outer == 1, inner <= CT): split the rows; add partials in piece order.
  const i64 pieces = imin<i64>(imin<i64>(threads, kMaxPieces), r);
  alignas(64) T part[kMaxPieces][CT];
  parallel_for(pieces, pieces, [&](i64 b, i64 e) {
    for (i64 p = b; p < e; ++p) {
      auto src = make_src(0);
      col_tile<V, Op>(src, r * p / pieces, r * (p + 1) / pieces, 0, inner, part[p]);
    }
  });
  for (i64 i = 0; i < inner; ++i) {
    T s = part[0][i];
    for (i64 p = 1; p < pieces; ++p) s = Op::merge(s, part[p][i]);
    res[i] = s;
  }
}

template <class V> struct StridedSrc {
  const typename V::T* base;  // row 0 of the slab
  i64 ld;
  typename V::reg load(i64 row, i64 col) const { return V::load(base + row * ld + col); }
  typename V::reg load_tail(i64 row, i64 col, typename V::tmask m) const {
    return V::load_tail(base + row * ld + col, m);
  }
  void prefetch(i64 row, i64 col) const { _mm_prefetch(reinterpret_cast<const char*>(base + row * ld + col), _MM_HINT_T0); }
};

template <class I, class T, class Op> void reduce(const T* x, i64 outer, i64 r, i64 inner, T* out) {
  using V = RVecFor<I, T>;
  if (outer <= 0 || inner <= 0) return;
  if (inner > 1) {
    col_reduce<V, Op>(outer, r, inner,
                      [&](i64 o) { return StridedSrc<V>{x + o * r * inner, inner}; }, out);
    return;
  }
  const int threads = num_threads();
  auto rows = [&](i64 b, i64 e) {
    for (i64 o = b; o < e; ++o) out[o] = Op::template row<V>(x + o * r, r);
  };
  if (threads <= 1 || outer * r < kReduceThreshold) return rows(0, outer);
  if (outer >= 2) return parallel_for(outer, threads, [&](i64 b, i64 e) { rows(b, e); });
  const i64 pieces = imin<i64>(imin<i64>(threads, kMaxPieces), r);
  T part[kMaxPieces];
  parallel_for(pieces, pieces, [&](i64 b, i64 e) {
    for (i64 p = b; p < e; ++p) {
      i64 lo = r * p / pieces, hi = r * (p + 1) / pieces;
      part[p] = Op::template row<V>(x + lo, hi - lo);
    }
  });
  T s = part[0];
  for (i64 p = 1; p < pieces; ++p) s = Op::merge(s, part[p]);
  out[0] = s;
}

// ---- act_grad: gout = g * act'(y) and dbias = column sums of gout, one pass ----------------

template <class V, Act A> inline typename V::reg act_grad_value(typename V::reg g, typename V::reg y) {
  using T = typename V::T;
  if constexpr (A == Act::Relu) return V::keep(V::gt(y, V::zero()), g);
  else if constexpr (A == Act::Sigmoid) return V::mul(g, V::mul(y, V::sub(V::set1(T(1)), y)));
  else if constexpr (A == Act::Tanh) return V::mul(g, V::fnma(y, y, V::set1(T(1))));
  else return g;
}

template <class V, Act A> struct ActGradSrc {
  const typename V::T *g, *y;
  typename V::T* gout;
  i64 ld;
  typename V::reg load(i64 row, i64 col) const {
    i64 k = row * ld + col;
    typename V::reg v = act_grad_value<V, A>(V::load(g + k), V::load(y + k));
    V::store(gout + k, v);
    return v;
  }
  typename V::reg load_tail(i64 row, i64 col, typename V::tmask m) const {
    i64 k = row * ld + col;
    typename V::reg v = act_grad_value<V, A>(V::load_tail(g + k, m), V::load_tail(y + k, m));
    V::store_tail(gout + k, m, v);
    return v;
  }
  void prefetch(i64 row, i64 col) const {
    _mm_prefetch(reinterpret_cast<const char*>(g + row * ld + col), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(y + row * ld + col), _MM_HINT_T0);
  }
};

template <class V, Act A>
void act_grad_typed(const typename V::T* g, const typename V::T* y, i64 rows, i64 cols,
                    typename V::T* gout, typename V::T* dbias) {
  constexpr int W = V::W;
  if (dbias) {
    col_reduce<V, SumOp>(1, rows, cols, [&](i64) { return ActGradSrc<V, A>{g, y, gout, cols}; }, dbias);
    return;
  }
  for_range(rows * cols, 128 * 1024, [&](i64 b, i64 e) {
    i64 i = b;
    for (; i + W <= e; i += W) V::store(gout + i, act_grad_value<V, A>(V::load(g + i), V::load(y + i)));
    if (i < e) {
      auto m = V::tail(e - i);
      V::store_tail(gout + i, m, act_grad_value<V, A>(V::load_tail(g + i, m), V::load_tail(y + i, m)));
    }
  });
}

template <class I, class T>
void act_grad(Act act, const T* g, const T* y, i64 rows, i64 cols, T* gout, T* dbias) {
  using V = RVecFor<I, T>;
  switch (act) {
    case Act::Relu: return act_grad_typed<V, Act::Relu>(g, y, rows, cols, gout, dbias);
    case Act::Sigmoid: return act_grad_typed<V, Act::Sigmoid>(g, y, rows, cols, gout, dbias);
    case Act::Tanh: return act_grad_typed<V, Act::Tanh>(g, y, rows, cols, gout, dbias);
    default: return act_grad_typed<V, Act::None>(g, y, rows, cols, gout, dbias);
  }
}

// ---- cumulative sums ------------------------------------------------------------------------
//
// Note [Scans]
// out[o, j, i] = x[o, 0, i] + ... + x[o, j, i] along the middle axis of [outer, r, inner]
// (exclusive: without x[o, j, i]; reverse: from j = r - 1 down), a running sum (cumprod: the
// product) in T in the order of j, as TF's and numpy's, so every element is bit for bit the
// scalar reference's. Columns
// (inner > 1) run kScanTile vectors of inner at a time down all r rows, the running sums in
// registers. A row (inner == 1) is one chain of dependent adds: splitting it across lanes
// would change the order of the sum, so it runs as scalar code, as numpy's cumsum does.
// Threads take whole [r, inner] slabs, or with one slab ranges of columns: no element's sum
// depends on the split.
inline constexpr int kScanTile = 4;

template <class V, bool kProd>
void scan_cols(const typename V::T* x, i64 r, i64 inner, i64 c0, i64 c1, typename V::T* out,
               bool exclusive, bool reverse) {
  using T = typename V::T;
  using reg = typename V::reg;
  constexpr int W = V::W, U = kScanTile;
  const i64 step = reverse ? -inner : inner;
  const i64 first = reverse ? (r - 1) * inner : 0;
  const reg init = kProd ? V::set1(T(1)) : V::zero();
  auto op = [](reg a, reg b) { return kProd ? V::mul(a, b) : V::add(a, b); };
  i64 c = c0;
  for (; c + U * W <= c1; c += U * W) {
    reg acc[U];
    for (int u = 0; u < U; ++u) acc[u] = init;
    const T* px = x + first + c;
    T* po = out + first + c;
    for (i64 j = 0; j < r; ++j, px += step, po += step) {
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const reg v = V::load(px + u * W);
        if (!exclusive) acc[u] = op(acc[u], v);
        V::store(po + u * W, acc[u]);
        if (exclusive) acc[u] = op(acc[u], v);
      }
    }
  }
  for (; c < c1; c += W) {
    const i64 w = imin<i64>(W, c1 - c);
    const auto tm = V::tail(w < W ? w : 0);
    reg acc = init;
    const T* px = x + first + c;
    T* po = out + first + c;
    for (i64 j = 0; j < r; ++j, px += step, po += step) {
      const reg v = w == W ? V::load(px) : V::load_tail(px, tm);
      if (!exclusive) acc = op(acc, v);
      if (w == W) V::store(po, acc);
      else V::store_tail(po, tm, acc);
      if (exclusive) acc = op(acc, v);
    }
  }
}

template <class I, class T, bool kProd>
void scan(const T* x, i64 outer, i64 r, i64 inner, T* out, bool exclusive, bool reverse) {
  using V = RVecFor<I, T>;
  if (outer <= 0 || r <= 0 || inner <= 0) return;
  const i64 slab = r * inner;
  auto slabs = [&](i64 b, i64 e) {
    for (i64 o = b; o < e; ++o) {
      if (inner == 1) scan_line<kProd>(x + o * slab, r, 1, out + o * slab, exclusive, reverse);
      else scan_cols<V, kProd>(x + o * slab, r, inner, 0, inner, out + o * slab, exclusive, reverse);
    }
  };
  const int t = num_threads();
  if (outer * slab < kReduceThreshold || t <= 1) return slabs(0, outer);
  if (outer >= 2) return parallel_for(outer, t, slabs);
  if (inner == 1) return slabs(0, 1);
  constexpr i64 kCols = kScanTile * V::W;  // columns go to threads in whole tiles
  parallel_for((inner + kCols - 1) / kCols, t, [&](i64 b, i64 e) {
    scan_cols<V, kProd>(x, r, inner, b * kCols, imin(e * kCols, inner), out, exclusive, reverse);
  });
}

template <class I> void fill_reduce(KernelTable& t) {
  t.f32.cumsum = scan<I, float, false>;
  t.f64.cumsum = scan<I, double, false>;
  t.f32.cumprod = scan<I, float, true>;
  t.f64.cumprod = scan<I, double, true>;
  t.f32.reduce[int(Reduce::Sum)] = reduce<I, float, SumOp>;
  t.f32.reduce[int(Reduce::Max)] = reduce<I, float, MaxOp>;
  t.f64.reduce[int(Reduce::Sum)] = reduce<I, double, SumOp>;
  t.f64.reduce[int(Reduce::Max)] = reduce<I, double, MaxOp>;
  t.f32.reduce[int(Reduce::Min)] = reduce<I, float, MinOp>;
  t.f64.reduce[int(Reduce::Min)] = reduce<I, double, MinOp>;
  t.f32.reduce[int(Reduce::Prod)] = reduce<I, float, ProdOp>;
  t.f64.reduce[int(Reduce::Prod)] = reduce<I, double, ProdOp>;
  t.f32.act_grad = act_grad<I, float>;
  t.f64.act_grad = act_grad<I, double>;
}

}  // namespace tapegrad::kernels::TG_SIMD_NS
