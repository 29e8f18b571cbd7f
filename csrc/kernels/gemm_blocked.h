// The BLIS-style GEMM shared by the SIMD folders, written once over simd_vec.h's lane traits.
//
// An ISA file defines TG_SIMD_NS (its namespace name: avx2 or avx512) and includes this
// header; everything below then lands in tapegrad::kernels::<isa>::{anonymous}, so no
// instantiation can be merged with another ISA's (Note [ISA namespaces]). For the same
// reason this file uses no std:: templates or containers, only C functions.
//
// The ISA file then registers register_gemm_for<GemmCfg<...f32...>, GemmCfg<...f64...>>:
//   GemmCfg<Lanes, MR, NV, KC, MC, NC>    Lanes: the traits of kernels/simd_vec.h (F32x8, ...)
//                                         micro-tile MR rows x NV vectors (NR = NV * W);
//                                         cache blocks KC, MC (multiple of MR), NC (of NR)
//
// Note [GEMM blocking]
// C is computed in NC-wide column blocks; per block, K is cut into KC slices and op(B)'s
// slice (KC x NC) is packed into NR-wide slivers (zero-padded at the right edge, so only the
// panel is padded, never the matrix). Per MC-row block of C, op(A) is packed into MR-row
// slivers; the micro-kernel then runs over every MR x NR tile, in the order that keeps one
// operand's sliver in L1 (Note [GEMM tile order]); on AVX-512 a whole K slice of A is packed
// once for all NC blocks (Note [GEMM A slice reuse]). Transposes are folded into the packing
// (and into the strides of the unpacked paths), so the backward pass never materialises Aᵀ
// or Bᵀ; an untransposed A and a transposed B are packed through 8 x 8 / 4 x 4 register
// transposes (4 x 8 for the last 4 rows of a 12-row float sliver; packing is a few % of the
// flops at n = 512 on one thread: the source comes from L3 in short row streams). Tried and
// not kept (bench/RESULTS.md, session 18): A packed in 32- or 64-byte row chunks, a copy
// with no shuffles, made the tiles slower than the pack saved (2048^3 -3 to -6 %), and a
// 16-column 512-bit transpose of the first 8 rows gained nothing over the 8 x 8 one.
// Packing is skipped where it does not pay: B is read in place when it is not transposed and
// few MR-slivers of A would reuse the packed copy (small M) or the whole problem is small
// (up to 192^3 multiply-adds on AVX-512, see kSmallWork); A is read in place when few
// NR-slivers of B would reuse it (small N, e.g. 10 output columns; fewer when A is stored
// transposed, whose in-place reads are strided) or the whole problem is small. Vector shapes
// leave the tiles altogether: a row vector times B is an axpy sweep over B's rows, x @ Wᵀ and
// A @ x are dot products along contiguous rows, and so are 2 to W/2 columns of C (Note [GEMM
// narrow N]). Tiles with fewer than 8 accumulators (short
// edges) interleave accumulator sets over k to hide the FMA latency. The micro-kernel
// accumulates the tile in registers and applies, while it is there, the old C (for later K
// slices or accumulate), the bias and ReLU; edge tiles use masked loads/stores. A column of
// full-height tiles is one call, and a right edge at most one vector wide runs as one-vector
// tiles. Sigmoid/tanh run as a second pass over each finished MC x NC block
// (still in L2) through the same ISA's unary kernel.
//
// Note [GEMM threads]
// Above kParallelWork multiply-adds the C matrix (or the batch) is cut into one rectangle per
// thread, MR/NR aligned, along M or N or both, minimising the operand panel each thread has to
// pack; each rectangle then runs the serial blocked algorithm with thread-local buffers.
// No barrier is needed, at the price of each thread packing its own copy of the shared
// operand, which is a few percent of the flops at the sizes where threads are used.
// Below that work a single product is still cut when its operands and result reach
// kParallelBytes: a vector times a matrix, an outer product, a thin K or N stream a matrix
// once at a few flops per element, so two cores' bandwidth pays long before the flop
// threshold (2 threads: 1x512x512 float64 32 -> 25 µs, 512x512x1 35 -> 20 µs, 1x784x512
// float32 25 -> 19 µs, 784x1x512 95 -> 53 µs, 200x1000x3 50 -> 33 µs; at 256 KiB nothing
// is gained). The row and column vector kernels (sweep, dot_rows) take any row or column range.
#pragma once
#include <cstdlib>
#include <string>
#if !defined(_WIN32)
#include <unistd.h>  // sysconf: L1D ways (Note [GEMM direct A rows])
#endif

#include "core/errors.h"
#include "kernels/kernels.h"
#include "kernels/simd_vec.h"  // requires TG_SIMD_NS; silences GCC's spurious AVX-512 warnings
#include "kernels/threadpool.h"

namespace tapegrad::kernels::TG_SIMD_NS {
namespace {

#define TG_GEMM_STR2(x) #x
#define TG_GEMM_STR(x) TG_GEMM_STR2(x)
// The table the sigmoid/tanh pass takes its unary kernel from: this ISA's own.
constexpr const char* kIsaName = TG_GEMM_STR(TG_SIMD_NS);
#undef TG_GEMM_STR
#undef TG_GEMM_STR2

// Note [GEMM tile order]
// The order a packed block's tiles run in decides which operand stays in L1. DownColumns
// (the classic GotoBLAS order): a column of tiles shares one B sliver (KC x NR), kept in
// L1 while the A slivers stream from the L2-resident A block. AlongRows: a row of tiles
// shares one A sliver (MR x KC), kept in L1 while the B slivers stream from the L2-resident
// B panel; the A block is then read once per block, so it can come from L3 (Note [GEMM A
// slice reuse]). On a Zen 5 core with 12 x 32 float32 tiles (at KC 256 a B sliver is 32 KiB
// of a 48 KiB L1D) AlongRows reached 92-94 % of the FMA ceiling at 2048^3 against 88-90 %, and float64
// 1024^3 / 2048^3 rose from 1.08 / 1.03 to 1.18 / 1.10 of numpy (bench/RESULTS.md, session
// 12); with AVX2's 6 x 16 tiles (a B sliver per 1150 cycles instead of 3070) it lost 3-5 %.
// Direct (unpacked) A keeps DownColumns: its rows at a power-of-two stride share L1 sets.
enum class TileOrder { DownColumns, AlongRows };

// Note [GEMM C prefetch]
// A tile's C is read only after its K loop (~3000 cycles for 12 x 32 float32 at KC 256, twice
// that at 512), and in a large GEMM it comes from L3: each K slice rereads all of C. Fetched into L1 when the
// tile starts, its lines were evicted before use by the B sliver streaming through L1 (12
// rows at a power-of-two ldc also share two L1 sets). Packed tiles therefore prefetch every
// line of their rows halfway through the K loop, early enough for L3 and late enough to stay
// in L1: float32 2048^3 on one thread rose from 93.6 to 95.0 % of the FMA ceiling (best of
// 8 interleaved rounds), 1024^3 from 93.1 to 94.0 %, float64 1024^3 / 2048^3 by 1.5 %;
// 512^3 (C in L2) and the AVX2 tiles unchanged. Fetching at the start, every line: +1 %;
// into L2 at the start: -1 %. Tiles reading an operand in place keep the early fetch.

inline i64 min64(i64 a, i64 b) { return a < b ? a : b; }
inline i64 max64(i64 a, i64 b) { return a > b ? a : b; }
inline i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; }
inline i64 round_up(i64 a, i64 b) { return ceil_div(a, b) * b; }

// Splits `total` into blocks of at most `cap`, all but the last of equal size, a multiple
// of `unit`: 784 with cap 256 gives 196-ish blocks rather than 256, 256, 256, 16.
inline i64 balanced_block(i64 total, i64 cap, i64 unit) {
  i64 nb = ceil_div(total, cap);
  return min64(cap, round_up(ceil_div(total, nb), unit));
}

// Grow-only 64-byte aligned scratch, one per thread (pool workers are persistent). Out of
// memory it throws OutOfMemory, a std::bad_alloc that reaches Python as MemoryError from any
// thread (Note [Exceptions in chunks]).
struct Scratch {
  void* p = nullptr;
  std::size_t bytes = 0;
  void* get(std::size_t want) {
    if (want > bytes) {
      std::free(p);
      p = nullptr;
      bytes = 0;
      const std::size_t size = (want + 4095) & ~std::size_t(4095);
      p = std::aligned_alloc(64, size);
      if (!p)
        throw OutOfMemory("matmul: failed to allocate " + std::to_string(size) +
                          " bytes for the GEMM's packing buffer");
      bytes = size;
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};
thread_local Scratch tl_pack_a, tl_pack_b;

// The few operations the GEMM needs beyond simd_vec.h's traits, spelled with them.
template <class L>
struct GemmOps : L {
  using R = typename L::reg;
  using Mask = typename L::tmask;
  static R bcast(const typename L::T* p) { return L::set1(*p); }
  // x86 max returns its second operand when either is NaN: NaN stays NaN, as in the reference.
  static R relu(R v) { return L::max(L::zero(), v); }
  // Lanes [0, n) for any n (<= 0: none, >= W: all).
  static Mask mask(i64 n) { return L::tail(n <= 0 ? 0 : n >= L::W ? L::W : n); }
  static R load_mask(const typename L::T* p, Mask m) { return L::load_tail(p, m); }
  static void store_mask(typename L::T* p, Mask m, R v) { L::store_tail(p, m, v); }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static void prefetch_l2(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1); }
};

// Masked rows of 4 floats / 4 doubles for the narrow GEMM's write-back (GemmDriver::write_rows),
// defined where the AVX-512 (VL) intrinsics are.
struct NarrowRowF32;
struct NarrowRowF64;
#if defined(__AVX512F__) || defined(TAPEGRAD_EMULATE_AVX512)
struct NarrowRowF32 {
  static __m128 load(__mmask8 m, const float* p) { return _mm_maskz_loadu_ps(m, p); }
  static void store(float* p, __mmask8 m, __m128 v) { _mm_mask_storeu_ps(p, m, v); }
  static __m128 zero() { return _mm_setzero_ps(); }
  static __m128 add(__m128 a, __m128 b) { return _mm_add_ps(a, b); }
  static __m128 max(__m128 a, __m128 b) { return _mm_max_ps(a, b); }
};
struct NarrowRowF64 {
  static __m256d load(__mmask8 m, const double* p) { return _mm256_maskz_loadu_pd(m, p); }
  static void store(double* p, __mmask8 m, __m256d v) { _mm256_mask_storeu_pd(p, m, v); }
  static __m256d zero() { return _mm256_setzero_pd(); }
  static __m256d add(__m256d a, __m256d b) { return _mm256_add_pd(a, b); }
  static __m256d max(__m256d a, __m256d b) { return _mm256_max_pd(a, b); }
};
#endif

template <class Cfg>
struct GemmDriver {
  using V = GemmOps<typename Cfg::V>;
  using T = typename V::T;
  using R = typename V::R;
  static constexpr int W = V::W;
  static constexpr int MR = Cfg::MR;
  static constexpr int NV = Cfg::NV;
  static constexpr int NR = NV * W;
  static constexpr i64 KC = Cfg::KC, MC = Cfg::MC, NC = Cfg::NC;
  static constexpr bool kAlongRows = Cfg::Order == TileOrder::AlongRows;
  static_assert(MC % MR == 0 && NC % NR == 0, "cache blocks must be tile multiples");

  // Unpacked operands below these sizes (see Note [GEMM blocking]).
  static constexpr i64 kDirectBMaxM = 2 * MR;   // B read in place if M <= this
  static constexpr i64 kDirectANmax = 16 * NR;  // A read in place if N <= this (256 f32 AVX2)
  // A transposed A read in place costs a strided load per k step and row of each tile (a
  // power-of-two lda puts a tile's rows in a couple of L1 sets), paid again for every sliver
  // of B: beyond 4 slivers packing it wins (Aᵀ·B, 512x64x100: 59 -> 70, 512x512x200: 65 -> 75,
  // 784x256x128: 72 -> 83 GFLOP/s; at 64 columns and fewer reading it in place stays faster).
  static constexpr i64 kDirectATransNmax = 4 * NR;
  // Both operands are read in place up to this many m*n*k: packing B (and a transposed A)
  // costs more than it saves while the whole problem sits in L1/L2. Raised from 48^3 in
  // session 19 (ours alone, alternating processes, 1 thread, AVX-512): float32 64^3 3.05 ->
  // 2.85 µs, 96^3 8.03 -> 7.59, 64x784x128 53.6 -> 49.2; float64 64^3 5.29 -> 5.08, 96^3
  // 15.3 -> 14.6 (Aᵀ·B 16.4 -> 14.6), 144^3 Aᵀ·B 49.9 -> 45.6 µs; the one loss float32 144^3
  // Aᵀ·Bᵀ 26.1 -> 27.1. On AVX2 (narrower tiles) float64 256x100x256 lost 7-10 % at 192^3,
  // so there it stops at 128^3 (64^3 ... 144^3 gained 2-9 %).
  static constexpr i64 kSmallWork = W * i64(sizeof(T)) == 64 ? 192 * 192 * 192 : 128 * 128 * 128;
  static constexpr double kParallelWork = 96.0 * 96 * 96;
  // Operands and result of this many bytes outgrow one core's L2: a GEMM of few flops per
  // element is then bound by streaming them, and two threads pay from here even far below
  // kParallelWork (Note [GEMM threads]).
  static constexpr double kParallelBytes = 512.0 * 1024;

  // Where the micro-kernel reads its operands. Packed A: a[p*MR + i]; direct A:
  // a[i*rsa + p*csa]. Packed B: b[p*NR + j]; direct B: b[p*ldb + j] (not transposed).
  struct Tile {
    i64 kc;
    const T* a; i64 rsa, csa;
    const T* b; i64 ldb;
    T* c; i64 ldc;
    int mr, nr;          // valid rows / columns of this tile (<= MR, NR)
    bool load_c;         // add the old C (later K slices, or accumulate)
    const T* bias;       // non-null on the last K slice only
    bool relu;           // idem
  };

  // An unpacked B is read one short row segment per k step at a stride of ldb, often a
  // power of two: hundreds of streams no hardware prefetcher tracks. Fetch a few rows ahead.
  static constexpr int kPrefetchRows = 8;
  template <int NVt = NV>
  static void prefetch_b(const T* p) {
    constexpr int lines = (NVt * W * int(sizeof(T)) + 63) / 64;
#pragma GCC unroll 8
    for (int l = 0; l < lines; ++l) V::prefetch(p + l * (64 / int(sizeof(T))));
  }

  // The micro-kernel: an MRt x (NVt*W) tile of C, accumulated in registers over kc, then
  // combined with the old C, bias and ReLU and stored (masked on the right edge). MRt < MR
  // serves the bottom edge and short matrices; NVt > NV the row-vector path (direct B only,
  // where the tile width is free), so that even one row has >= 8 independent FMA chains.
  template <int MRt, int NVt, bool kDirectA, bool kDirectB, bool kEdge>
  __attribute__((always_inline)) static inline void micro_body(const Tile& t) {
    // Short tiles get S interleaved accumulator sets (alternate k steps) so that at least 8
    // FMA chains are in flight: the FMA latency, not the throughput, would bound them else.
    constexpr int S = MRt * NVt >= 8 ? 1 : (8 + MRt * NVt - 1) / (MRt * NVt);
    R acc[S][MRt][NVt];
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s)
#pragma GCC unroll 32
      for (int i = 0; i < MRt; ++i)
#pragma GCC unroll 16
        for (int v = 0; v < NVt; ++v) acc[s][i][v] = V::zero();
    typename V::Mask mk[NVt];
    if constexpr (kEdge) {
#pragma GCC unroll 16
      for (int v = 0; v < NVt; ++v) mk[v] = V::mask(t.nr - v * W);
    }
    // Note [GEMM C prefetch]: packed tiles fetch their C halfway through the K loop.
    constexpr bool kLateC = !kDirectA && !kDirectB && S == 1;
    if constexpr (!kLateC) {
#pragma GCC unroll 32
      for (int i = 0; i < MRt; ++i)
        if (i < t.mr) V::prefetch(t.c + i * t.ldc);
    }

    const i64 kc = t.kc;
    const i64 bstep = kDirectB ? t.ldb : NR;
    // Packed A: element (i, p) at a[p*MR + i] (sliver stride MR whatever MRt is); direct A:
    // at arow[i][p*csa], rows past t.mr repeating row 0 (computed, never stored).
    const T* arow[MRt];
    const i64 astep = kDirectA ? t.csa : MR;
#pragma GCC unroll 32
    for (int i = 0; i < MRt; ++i) arow[i] = kDirectA ? t.a + (i < t.mr ? i : 0) * t.rsa : t.a + i;
    auto step = [&](R(&ac)[MRt][NVt], i64 p) __attribute__((always_inline)) {
      const T* b = t.b + p * bstep;
      R bv[NVt];
#pragma GCC unroll 16
      for (int v = 0; v < NVt; ++v) {
        if constexpr (kDirectB && kEdge) bv[v] = V::load_mask(b + v * W, mk[v]);
        else bv[v] = V::load(b + v * W);
      }
#pragma GCC unroll 32
      for (int i = 0; i < MRt; ++i) {
        R av = kDirectA ? V::bcast(arow[i] + p * astep) : V::bcast(t.a + p * MR + i);
#pragma GCC unroll 16
        for (int v = 0; v < NVt; ++v) ac[i][v] = V::fma(av, bv[v], ac[i][v]);
      }
      if constexpr (kDirectB) prefetch_b<NVt>(b + kPrefetchRows * bstep);
    };
    i64 p = 0;
    if constexpr (S > 1) {
      for (; p + S <= kc; p += S)
#pragma GCC unroll 4
        for (int s = 0; s < S; ++s) step(acc[s], p + s);
    } else {
      if constexpr (kLateC) {
        const i64 half = kc / 2;
#pragma GCC unroll 4
        for (; p < half; ++p) step(acc[0], p);
        // Every line of the row's nr elements: a row not 64-byte aligned spans one more.
        constexpr int kLine = 64 / int(sizeof(T));
        constexpr int kLines = (NVt * W + kLine - 1) / kLine + 1;
#pragma GCC unroll 32
        for (int i = 0; i < MRt; ++i) {
          if (i >= t.mr) break;
#pragma GCC unroll 4
          for (int l = 0; l < kLines; ++l) V::prefetch(t.c + i * t.ldc + min64(l * kLine, t.nr - 1));
        }
      }
#pragma GCC unroll 4
      for (; p < kc; ++p) step(acc[0], p);
    }
    for (; p < kc; ++p) step(acc[0], p);
#pragma GCC unroll 4
    for (int s = 1; s < S; ++s)
#pragma GCC unroll 32
      for (int i = 0; i < MRt; ++i)
#pragma GCC unroll 16
        for (int v = 0; v < NVt; ++v) acc[0][i][v] = V::add(acc[0][i][v], acc[s][i][v]);

    // Epilogue while the tile is in registers: old C, bias, ReLU, (masked) store.
    R bias[NVt];
#pragma GCC unroll 16
    for (int v = 0; v < NVt; ++v) bias[v] = V::zero();
    if (t.bias) {
#pragma GCC unroll 16
      for (int v = 0; v < NVt; ++v)
        bias[v] = kEdge ? V::load_mask(t.bias + v * W, mk[v]) : V::load(t.bias + v * W);
    }
    // All of the tile's old C is read before any of it is stored. Read, added and stored row
    // by row, each row's loads queued behind the previous row's stores: float32 on one thread
    // (AVX-512, interleaved rounds in one process) 100^3 +1.6-2.5 %, 512x513x511 +0.6-1.0 %,
    // 256x784x512 +0.4-0.8 %, 512^3 and 2048^3 +0.5 % on average; AVX2 and float64 unchanged.
    auto cp = [&](int i, int v) { return t.c + i * t.ldc + v * W; };
    if (t.load_c) {
#pragma GCC unroll 32
      for (int i = 0; i < MRt; ++i) {
        if (i >= t.mr) break;
#pragma GCC unroll 16
        for (int v = 0; v < NVt; ++v)
          acc[0][i][v] = V::add(kEdge ? V::load_mask(cp(i, v), mk[v]) : V::load(cp(i, v)), acc[0][i][v]);
      }
    }
#pragma GCC unroll 32
    for (int i = 0; i < MRt; ++i) {
      if (i >= t.mr) break;
#pragma GCC unroll 16
      for (int v = 0; v < NVt; ++v) {
        R x = acc[0][i][v];
        if (t.bias) x = V::add(x, bias[v]);
        if (t.relu) x = V::relu(x);
        if constexpr (kEdge) V::store_mask(cp(i, v), mk[v], x);
        else V::store(cp(i, v), x);
      }
    }
  }

  template <int MRt, int NVt, bool kDirectA, bool kDirectB, bool kEdge>
  __attribute__((noinline)) static void micro(const Tile& t) {
    micro_body<MRt, NVt, kDirectA, kDirectB, kEdge>(t);
  }

  // `tiles` full MR-row tiles down one column of tiles (A advancing by `astride`) in one call:
  // with a short K (a weight gradient xᵀ·dh at batch 32 has k = 32) a call per tile cost
  // 10-15 % of the GEMM (float32 784x32x512: 76 -> 86 GFLOP/s, best of 20 interleaved rounds).
  template <int Rows, int NVt, bool kDirectA, bool kDirectB, bool kEdge>
  __attribute__((noinline)) static void micro_column(Tile t, i64 tiles, i64 astride) {
    for (i64 it = 0; it < tiles; ++it) {
      micro_body<Rows, NVt, kDirectA, kDirectB, kEdge>(t);
      t.a += astride;
      t.c += Rows * t.ldc;
    }
  }

  // Row counts the edge tiles are rounded up to: 1, 2, 3, 4, 6, 8, 12, ... up to MR.
  static constexpr int next_rows(int r) { return r < 4 ? r + 1 : r % 3 == 0 ? r * 4 / 3 : r * 3 / 2; }

  template <int Rt, int NVt, bool kDirectA, bool kDirectB>
  static void tile_rows(const Tile& t) {
    if constexpr (Rt >= MR) {
      if (t.nr == NVt * W) micro<MR, NVt, kDirectA, kDirectB, false>(t);
      else micro<MR, NVt, kDirectA, kDirectB, true>(t);
    } else {
      if (t.mr <= Rt) {
        if (t.nr == NVt * W) micro<Rt, NVt, kDirectA, kDirectB, false>(t);
        else micro<Rt, NVt, kDirectA, kDirectB, true>(t);
      } else {
        tile_rows<next_rows(Rt), NVt, kDirectA, kDirectB>(t);
      }
    }
  }

  // A block calls its hook(part, parts) once per column (or row) of tiles, parts in all.
  struct NoHook {
    void operator()(i64, i64) const {}
  };
  // Rows [0, mc) of one column of tiles (t.b, t.nr and t.bias set): the full-height tiles in
  // one call, then the short one.
  // Note [GEMM direct A rows]
  // A tile reading A in place broadcasts from MR rows of A at once, each its own stream of
  // lines. On a Zen 4 core (32 KiB 8-way L1D) 12-row tiles ran well below 6-row ones over
  // the same in-place A, and far below where A's row stride is a multiple of 4 KiB (all 12
  // rows in one L1 set): float64 64x512x10 16.1 -> 12.6 µs, 64x1024x10 34.1 -> 27.2, float32
  // 64x1024x10 25.3 -> 18.8, 64x784x10 15.7 -> 14.5, 128x1024x128 336 -> 304 µs (one thread,
  // best of 20 rounds alternating with numpy). So where L1D has fewer ways than MR, in-place
  // A runs in tiles of MR / 2 rows. Not on AVX2's 6-row tiles (3-row ones lost up to half),
  // nor on the 12-way L1D of the Zen 5 the 12-row tiles were tuned on.
  static bool half_direct_tiles() {
    static const bool half = [] {
#if defined(_SC_LEVEL1_DCACHE_ASSOC)
      const long ways = sysconf(_SC_LEVEL1_DCACHE_ASSOC);  // 0 or -1 where unknown
#else
      const long ways = 0;
#endif
      return (ways > 0 ? ways : 8) < MR;  // unknown: as the common 8-way L1D
    }();
    return half;
  }
  template <int Rows, int NVt, bool kDirectA, bool kDirectB>
  static void column_of(Tile t, const T* a, T* c, i64 mc) {
    const i64 full = mc / Rows;
    const i64 astride = kDirectA ? Rows * t.rsa : Rows * t.kc;  // A of the next Rows rows
    t.a = a;
    t.c = c;
    if (full > 0) {
      t.mr = Rows;
      if (t.nr == NVt * W) micro_column<Rows, NVt, kDirectA, kDirectB, false>(t, full, astride);
      else micro_column<Rows, NVt, kDirectA, kDirectB, true>(t, full, astride);
    }
    if (const i64 rest = mc - full * Rows) {
      t.mr = int(rest);
      t.a = a + full * astride;
      t.c = c + full * Rows * t.ldc;
      tile_rows<1, NVt, kDirectA, kDirectB>(t);
    }
  }
  template <int NVt, bool kDirectA, bool kDirectB>
  static void column(Tile t, const T* a, T* c, i64 mc) {
    if constexpr (kDirectA && MR >= 12) {
      if (t.csa == 1 && half_direct_tiles()) return column_of<MR / 2, NVt, true, kDirectB>(t, a, c, mc);
    }
    column_of<MR, NVt, kDirectA, kDirectB>(t, a, c, mc);
  }

  // Every tile of one MC x NC block of C, column after column (the B sliver in L1 across
  // each column) or, where the A sliver is packed and the config says so, row after row
  // (Note [GEMM tile order]).
  // `t` arrives with kc, ldb, ldc, load_c, relu set; a/b point at the block's origin.
  // A right edge at most one vector wide (n = 100 leaves 4 columns of a 16-wide sliver) runs
  // as one-vector tiles, half the FMAs of full-width ones: +3-9 % at 32x512x100, 64x784x200,
  // 128x128x72. Not where A is read in place transposed: those tiles wait on A's strided
  // loads, and halving their FMAs gained nothing (512x512x200 with Aᵀ).
  template <int NVt, bool kDirectA, bool kDirectB, class Hook = NoHook>
  static void block(Tile t, const T* a, const T* b, T* c, const T* bias, i64 mc, i64 nc,
                    Hook hook = Hook()) {
    constexpr i64 NRt = NVt * W;
    if constexpr (kAlongRows && !kDirectA && !kDirectB && NVt == NV) {
      const i64 rows = ceil_div(mc, MR);
      for (i64 it = 0; it < rows; ++it) {
        hook(it, rows);
        t.mr = int(min64(MR, mc - it * MR));
        t.a = a + it * MR * t.kc;
        for (i64 jr = 0; jr < nc; jr += NRt) {
          t.nr = int(min64(NRt, nc - jr));
          t.b = b + jr * t.kc;
          t.c = c + it * MR * t.ldc + jr;
          t.bias = bias ? bias + jr : nullptr;
          // tile_rows picks the tile height (MR but on the bottom edge) and the right-edge
          // masks; a right edge at most one vector wide runs as one-vector tiles.
          if (NVt > 1 && t.nr <= W) tile_rows<1, 1, false, false>(t);
          else tile_rows<1, NVt, false, false>(t);
        }
      }
      return;
    }
    const i64 cols = ceil_div(nc, NRt);
    for (i64 jr = 0; jr < nc; jr += NRt) {
      hook(jr / NRt, cols);
      t.nr = int(min64(NRt, nc - jr));
      t.b = kDirectB ? b + jr : b + jr * t.kc;
      t.bias = bias ? bias + jr : nullptr;
      if constexpr (NVt == NV && NV > 1) {
        if (t.nr <= W && (!kDirectA || t.csa == 1)) {
          column<1, kDirectA, kDirectB>(t, a, c + jr, mc);
          continue;
        }
      }
      column<NVt, kDirectA, kDirectB>(t, a, c + jr, mc);
    }
  }

  // dst[c * ldd + r] = rows[r][c] for an 8 x 8 float / 4 x 4 double block: the transposed
  // packing of B and the packing of A. 256-bit shuffles, present in both the AVX2 and AVX-512
  // builds. The columns are stored in ascending order (pack_a's overlapping stores rely on it).
  static constexpr int kTransposeBlock = 32 / int(sizeof(T));
  static void transpose_rows(const T* const* rows, T* dst, i64 ldd) {
    if constexpr (sizeof(T) == 4) {
      __m256 r[8], t[8], u[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(rows[i]);
#pragma GCC unroll 4
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
#pragma GCC unroll 2
      for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
      }
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    } else {
      __m256d r[4];
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) r[i] = _mm256_loadu_pd(rows[i]);
      __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
      __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
      _mm256_storeu_pd(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_storeu_pd(dst + ldd, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_storeu_pd(dst + 2 * ldd, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_storeu_pd(dst + 3 * ldd, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
  }
  // The same for 4 rows of 8 floats (dst gets 8 columns of 4): the last row group of a
  // 12-row float sliver, which an 8 x 8 transpose would fill half with repeats of row 0
  // (8 shuffles and 8 16-byte stores instead of 24 shuffles and 8 32-byte stores).
  static void transpose_rows4(const T* const* rows, T* dst, i64 ldd) {
    static_assert(sizeof(T) == 4, "float only");
    const __m256 r0 = _mm256_loadu_ps(rows[0]), r1 = _mm256_loadu_ps(rows[1]);
    const __m256 r2 = _mm256_loadu_ps(rows[2]), r3 = _mm256_loadu_ps(rows[3]);
    const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    const __m256 u[4] = {_mm256_shuffle_ps(t0, t2, 0x44), _mm256_shuffle_ps(t0, t2, 0xEE),
                         _mm256_shuffle_ps(t1, t3, 0x44), _mm256_shuffle_ps(t1, t3, 0xEE)};
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      _mm_storeu_ps(dst + c * ldd, _mm256_castps256_ps128(u[c]));
      _mm_storeu_ps(dst + (c + 4) * ldd, _mm256_extractf128_ps(u[c], 1));
    }
  }
  static void transpose_block(const T* src, i64 lds, T* dst, i64 ldd) {
    const T* rows[kTransposeBlock];
#pragma GCC unroll 8
    for (int i = 0; i < kTransposeBlock; ++i) rows[i] = src + i * lds;
    transpose_rows(rows, dst, ldd);
  }

  // op(B)[p0:p0+kc, j0:j0+nc] into ceil(nc/NR) slivers of kc x NR, zero-padded on the right.
  // An untransposed B is copied kPackBGroup slivers at a time, row by row: one sliver alone
  // would read a single cache line per row of B, at a stride of ldb.
  static constexpr int kPackBGroup = 4;
  static void pack_b(const T* B, i64 ldb, bool trans, i64 p0, i64 kc, i64 j0, i64 nc, T* dst) {
    i64 js = 0;
    if (!trans) {
      constexpr int SG = kPackBGroup;
      for (; js + SG * NR <= nc; js += SG * NR, dst += SG * kc * NR) {
        const T* src = B + p0 * ldb + j0 + js;
        for (i64 p = 0; p < kc; ++p)
#pragma GCC unroll 8
          for (int g = 0; g < SG; ++g)
#pragma GCC unroll 8
            for (int v = 0; v < NV; ++v)
              V::store(dst + g * kc * NR + p * NR + v * W, V::load(src + p * ldb + g * NR + v * W));
      }
    }
    for (; js < nc; js += NR, dst += kc * NR) {
      const int nr = int(min64(NR, nc - js));
      if (!trans) {
        const T* src = B + p0 * ldb + j0 + js;
        if (nr == NR) {
          for (i64 p = 0; p < kc; ++p)
#pragma GCC unroll 8
            for (int v = 0; v < NV; ++v) V::store(dst + p * NR + v * W, V::load(src + p * ldb + v * W));
        } else {
          typename V::Mask mk[NV];
          for (int v = 0; v < NV; ++v) mk[v] = V::mask(nr - v * W);
          for (i64 p = 0; p < kc; ++p)
            for (int v = 0; v < NV; ++v)
              V::store(dst + p * NR + v * W, V::load_mask(src + p * ldb + v * W, mk[v]));
        }
      } else {
        // B is stored n x k: column j of op(B) is row j of B, contiguous along p. Whole
        // TB x TB blocks go through a register transpose, the ragged rest element by element.
        constexpr int TB = kTransposeBlock;
        const T* src = B + (j0 + js) * ldb + p0;
        int jt = 0;
        if constexpr (TB > 1) {
          const i64 kc_full = kc / TB * TB;
          for (; jt + TB <= nr; jt += TB)
            for (i64 p = 0; p < kc_full; p += TB) transpose_block(src + jt * ldb + p, ldb, dst + p * NR + jt, NR);
          for (int j = 0; j < jt; ++j)
            for (i64 p = kc_full; p < kc; ++p) dst[p * NR + j] = src[j * ldb + p];
        }
        for (int j = jt; j < nr; ++j)
          for (i64 p = 0; p < kc; ++p) dst[p * NR + j] = src[j * ldb + p];
        for (int j = nr; j < NR; ++j)
          for (i64 p = 0; p < kc; ++p) dst[p * NR + j] = T(0);
      }
    }
  }

  // op(A)[i0:i0+mc, p0:p0+kc] into ceil(mc/MR) slivers of kc x MR (rows past mc repeat
  // the block's first row: never stored, and they keep inf/NaN out of nothing).
  // Column p of a sliver (MR values) is written by whole TB-lane (or W-lane) stores, the last
  // of which spills past the column into the next one's first rows; so columns are written in
  // ascending order, a row group that spills before the groups it spills onto, and the buffer
  // has kPackASlack elements of room after the last sliver.
  static constexpr i64 kPackASlack = 2 * W;
  static void pack_a(const T* A, i64 lda, bool trans, i64 i0, i64 mc, i64 p0, i64 kc, T* dst) {
    constexpr int TB = kTransposeBlock;
    constexpr int G = (MR + TB - 1) / TB;  // row groups of TB rows; only the last may be short
    // A last group of 4 float rows is transposed 4 x 8, stored exactly (transpose_rows4).
    constexpr bool kQuarterGroup = sizeof(T) == 4 && MR % TB == 4;
    for (i64 is = 0; is < mc; is += MR, dst += kc * MR) {
      const int mr = int(min64(MR, mc - is));
      if (!trans) {
        // Rows past mr (and past MR, in the short group) read row 0: never stored for good.
        const T* rows[G * TB];
        for (int i = 0; i < G * TB; ++i) rows[i] = A + (i0 + is + (i < mr ? i : 0)) * lda + p0;
        i64 p = 0;
        for (; p + TB <= kc; p += TB) {
#pragma GCC unroll 4
          for (int gi = 0; gi < G; ++gi) {
            const int g = (gi + G - 1) % G;  // the short group first
            const T* r[TB];
#pragma GCC unroll 8
            for (int i = 0; i < TB; ++i) r[i] = rows[g * TB + i] + p;
            if constexpr (kQuarterGroup) {
              if (g == G - 1) {
                transpose_rows4(r, dst + p * MR + g * TB, MR);
                continue;
              }
            }
            transpose_rows(r, dst + p * MR + g * TB, MR);
          }
        }
        for (; p < kc; ++p)
#pragma GCC unroll 32
          for (int i = 0; i < MR; ++i) dst[p * MR + i] = rows[i][p];
      } else if (mr == MR) {
        // A is stored k x m: row p of A holds column p of op(A), contiguous along i.
        constexpr int NVA = (MR + W - 1) / W;
        for (i64 p = 0; p < kc; ++p) {
          const T* src = A + (p0 + p) * lda + i0 + is;
#pragma GCC unroll 4
          for (int v = 0; v < NVA; ++v) {
            const R x = (v + 1) * W <= MR ? V::load(src + v * W) : V::load_mask(src + v * W, V::mask(MR - v * W));
            V::store(dst + p * MR + v * W, x);
          }
        }
      } else {
        for (i64 p = 0; p < kc; ++p) {
          const T* src = A + (p0 + p) * lda + i0 + is;
          for (int i = 0; i < MR; ++i) dst[p * MR + i] = src[i < mr ? i : 0];
        }
      }
    }
  }

  struct Problem {
    const T* A; i64 lda; bool ta;
    const T* B; i64 ldb; bool tb;
    T* C; i64 ldc;
    i64 k;
    const T* bias;
    Act act;
    bool accumulate;
    i64 m;  // op(A)'s rows in the whole product (a thread runs a rectangle of it)
  };

  static void finish_act(const Problem& pr, i64 i0, i64 mc, i64 j0, i64 nc) {
    if (pr.act != Act::Sigmoid && pr.act != Act::Tanh) return;
    const KernelTable& tab = table_for_isa(kIsaName);
    const KernelSet<T>* ks;
    if constexpr (sizeof(T) == 4) ks = &tab.f32; else ks = &tab.f64;
    auto fn = ks->unary[int(pr.act == Act::Sigmoid ? Unary::Sigmoid : Unary::Tanh)];
    for (i64 i = 0; i < mc; ++i) {
      T* row = pr.C + (i0 + i) * pr.ldc + j0;
      fn(nc, row, row);
    }
  }

  // The serial blocked algorithm on C[m0:m1, n0:n1] (Note [GEMM blocking]).
  // One row of C from a row vector times an untransposed B: an axpy sweep over NP <= P rows
  // of B at a time (P sequential streams the prefetchers follow, P FMAs per load/store of C),
  // C in chunks of 4 vectors so the FMA chains overlap. Bias and ReLU go into the last sweep.
  // P: on the AVX2 (Zen 3) machines 4 rows' C traffic kept float32 1x512x512 at 0.86 of
  // numpy, 8 rows at 1.05-1.16, so AVX2 sweeps 8; AVX-512 sweeps 6. On a Zen 4 core (B from L3, one thread, 3 runs of
  // in-process interleaved rounds, µs for 8 / 6 / 4 rows, numpy): float64 1x512x512 26.4-26.6
  // / 24.6-24.8 / 24.7-25.0, numpy 25.8-26.0; 1x784x512 39.7-40.6 / 37.6-37.8 / 37.6-38.0;
  // 1x1024x1024 104.6-107.8 / 104.8-107.9 / 110.3-114.1; float32 1x512x512 11.4-12.0 /
  // 11.5-11.9 / 11.8-12.3, 1x1024x1024 51.9-52.5 / 48.9-49.0 / 49.5; 12 or 16 rows ran at
  // 0.7-0.8 of 8.
  template <int NP>
  static void sweep(const R* av, const T* const* brow, T* c, i64 n0, i64 n1, bool first,
                    const T* bias, bool relu) {
    constexpr int U = 4;
    i64 j = n0;
    for (; j + U * W <= n1; j += U * W) {
      R y[U];
#pragma GCC unroll 4
      for (int u = 0; u < U; ++u) {
        const i64 o = j + u * W;
        y[u] = first ? V::zero() : V::load(c + o);
#pragma GCC unroll 8
        for (int q = 0; q < NP; ++q) y[u] = V::fma(av[q], V::load(brow[q] + o), y[u]);
        if (bias) y[u] = V::add(y[u], V::load(bias + o));
        if (relu) y[u] = V::relu(y[u]);
        V::store(c + o, y[u]);
      }
    }
    for (; j < n1; j += W) {
      const auto mk = V::mask(n1 - j);
      R y = first ? V::zero() : V::load_mask(c + j, mk);
#pragma GCC unroll 8
      for (int q = 0; q < NP; ++q) y = V::fma(av[q], V::load_mask(brow[q] + j, mk), y);
      if (bias) y = V::add(y, V::load_mask(bias + j, mk));
      if (relu) y = V::relu(y);
      V::store_mask(c + j, mk, y);
    }
  }

  static void row_vector(const Problem& pr, i64 i, i64 n0, i64 n1) {
    constexpr int P = W * int(sizeof(T)) == 64 ? 6 : 8;  // AVX-512 (Zen 4): 6; AVX2 (Zen 3): 8
    const i64 k = pr.k;
    const T* a = pr.ta ? pr.A + i : pr.A + i * pr.lda;
    const i64 as = pr.ta ? pr.lda : 1;
    T* c = pr.C + i * pr.ldc;
    for (i64 p0 = 0; p0 < k; p0 += P) {
      const int np = int(min64(P, k - p0));
      const bool first = p0 == 0 && !pr.accumulate;
      const bool last = p0 + np == k;
      const T* bias = last ? pr.bias : nullptr;
      const bool relu = last && pr.act == Act::Relu;
      R av[P];
      const T* brow[P];
#pragma GCC unroll 8
      for (int q = 0; q < P; ++q) {
        av[q] = q < np ? V::bcast(a + (p0 + q) * as) : V::zero();
        brow[q] = pr.B + (p0 + (q < np ? q : 0)) * pr.ldb;
      }
      switch (np) {
        case 8: sweep<8>(av, brow, c, n0, n1, first, bias, relu); break;
        case 7: sweep<7>(av, brow, c, n0, n1, first, bias, relu); break;
        case 6: sweep<6>(av, brow, c, n0, n1, first, bias, relu); break;
        case 5: sweep<5>(av, brow, c, n0, n1, first, bias, relu); break;
        case 4: sweep<4>(av, brow, c, n0, n1, first, bias, relu); break;
        case 3: sweep<3>(av, brow, c, n0, n1, first, bias, relu); break;
        case 2: sweep<2>(av, brow, c, n0, n1, first, bias, relu); break;
        default: sweep<1>(av, brow, c, n0, n1, first, bias, relu); break;
      }
    }
    finish_act(pr, i, 1, n0, n1 - n0);
  }

  // The scalar epilogue of the dot-product and axpy kernels: *c = act(old C + sum + bias).
  static void put(T* c, T sum, bool accumulate, const T* bias, bool relu) {
    if (accumulate) sum = *c + sum;
    if (bias) sum += *bias;
    if (relu) sum = sum > 0 ? sum : (sum == sum ? T(0) : sum);
    *c = sum;
  }

  // Matrix-vector products whose reduction runs along contiguous rows:
  //   y[r * ys] = sum_p X[r * xs + p] * v[p]  (+ old y) (+ bias[r * bs]), then ReLU,
  // for r in [0, rows); v contiguous. Four rows at a time, two accumulators each.
  static void dot_rows(const T* X, i64 xs, const T* v, i64 k, T* y, i64 ys, i64 rows,
                       bool accumulate, const T* bias, i64 bs, bool relu) {
    constexpr int RB = 4;
    for (i64 r0 = 0; r0 < rows; r0 += RB) {
      const int nr = int(min64(RB, rows - r0));
      const T* xr[RB];
#pragma GCC unroll 4
      for (int q = 0; q < RB; ++q) xr[q] = X + (r0 + (q < nr ? q : 0)) * xs;
      R acc0[RB], acc1[RB];
#pragma GCC unroll 4
      for (int q = 0; q < RB; ++q) acc0[q] = acc1[q] = V::zero();
      i64 p = 0;
      for (; p + 2 * W <= k; p += 2 * W) {
        const R v0 = V::load(v + p), v1 = V::load(v + p + W);
#pragma GCC unroll 4
        for (int q = 0; q < RB; ++q) {
          acc0[q] = V::fma(V::load(xr[q] + p), v0, acc0[q]);
          acc1[q] = V::fma(V::load(xr[q] + p + W), v1, acc1[q]);
        }
      }
      for (; p < k; p += W) {
        const auto mk = V::mask(k - p);
        const R v0 = V::load_mask(v + p, mk);
#pragma GCC unroll 4
        for (int q = 0; q < RB; ++q) acc0[q] = V::fma(V::load_mask(xr[q] + p, mk), v0, acc0[q]);
      }
      for (int q = 0; q < nr; ++q)
        put(y + (r0 + q) * ys, V::hsum(V::add(acc0[q], acc1[q])), accumulate,
            bias ? bias + (r0 + q) * bs : nullptr, relu);
    }
  }

  // Note [GEMM narrow N]: C = A op(B) with 2 <= n <= W/2 columns and A's rows contiguous
  // (a regression head, two classes). Tiles would leave most lanes of each B vector empty
  // (2 of 16: float32 256x512x2 ran at 0.24 of numpy, 64x784x8 at 0.52); instead each
  // C[r, j] is a dot product along A's row and op(B)'s column j (packed contiguous when it is
  // strided), RB rows by NCt <= 4 columns per pass, so RB * NCt accumulators hide the FMA
  // latency and A's rows are read once per pass of at most 4 columns. With A stored transposed
  // (the weight gradient Xᵀ G of a narrow layer, 0.19-0.35 of numpy in tiles for 2-4
  // columns) axpy_block runs vectors down A's rows instead. With F32x16's sums (Note [Narrow
  // N sums]) the last n % 16 columns of a wider C go this way too when they are 2-8: a
  // one-vector tile would compute 16 for them (float32 1T: 100^3 from 0.89 to 0.98 of numpy,
  // 1000x100x100 1.03 to 1.15, 64x784x100 1.07 to 1.22, 1000^3 1.04 to 1.06); with F64x8's,
  // the last 2-4 of n % 8 from k = 16 (float64 100^3 0.94 to 0.97, 50^3 0.97 to 1.04).

  // The narrow blocks' write-back: rows [0, nr) (nr <= 4) of C, row q's sums from get(q), each
  // row one masked operation on ncols columns (NR: NarrowRowF32 / NarrowRowF64).
  template <class NR, class Get>
  __attribute__((always_inline)) static void write_rows(T* C, i64 ldc, int nr, int ncols,
                                                        const T* bias, bool accumulate, bool relu,
                                                        Get get) {
    const __mmask8 mk = static_cast<__mmask8>((1u << ncols) - 1u);
    const auto bv = bias ? NR::load(mk, bias) : NR::zero();
    auto row = [&](auto qc) __attribute__((always_inline)) {
      constexpr int q = decltype(qc)::value;
      if (q >= nr) return;
      T* c = C + q * ldc;
      auto x = get(qc);
      if (accumulate) x = NR::add(NR::load(mk, c), x);
      if (bias) x = NR::add(x, bv);
      if (relu) x = NR::max(NR::zero(), x);  // NaN stays NaN (GemmOps::relu)
      NR::store(c, mk, x);
    };
    row(std::integral_constant<int, 0>());
    row(std::integral_constant<int, 1>());
    row(std::integral_constant<int, 2>());
    row(std::integral_constant<int, 3>());
  }
  static constexpr bool kSums = W == 16 && sizeof(T) == 4;  // F32x16: V::sums
  static constexpr bool kSums64 = W == 8 && sizeof(T) == 8;  // F64x8: V::sums8
  // GCC folds a vector load used by several FMAs into each of them as a memory operand,
  // loading it once per FMA: an empty asm on the register makes it load once.
  static void keep_in_register(R& x) {
#if (defined(__AVX2__) || defined(__AVX512F__)) && !defined(TAPEGRAD_EMULATE_AVX512)
    if constexpr (sizeof(R) >= 32) asm("" : "+v"(x));
#else
    (void)x;
#endif
  }
  template <int RB, int NCt>
  static void dot_block(const T* X, i64 xs, const T* Vt, i64 vs, i64 k, T* C, i64 ldc, i64 rows,
                        bool accumulate, const T* bias, bool relu) {
    for (i64 r0 = 0; r0 < rows; r0 += RB) {
      const int nr = int(min64(RB, rows - r0));
      const T* xr[RB];
#pragma GCC unroll 4
      for (int q = 0; q < RB; ++q) xr[q] = X + (r0 + (q < nr ? q : 0)) * xs;
      R acc[RB][NCt];
#pragma GCC unroll 4
      for (int q = 0; q < RB; ++q)
#pragma GCC unroll 4
        for (int j = 0; j < NCt; ++j) acc[q][j] = V::zero();
      auto step = [&](i64 p, auto load) __attribute__((always_inline)) {
        R vv[NCt];
#pragma GCC unroll 4
        for (int j = 0; j < NCt; ++j) vv[j] = load(Vt + j * vs + p);
#pragma GCC unroll 4
        for (int q = 0; q < RB; ++q) {
          R x = load(xr[q] + p);
          keep_in_register(x);
#pragma GCC unroll 4
          for (int j = 0; j < NCt; ++j) acc[q][j] = V::fma(x, vv[j], acc[q][j]);
        }
      };
      i64 p = 0;
      for (; p + W <= k; p += W) step(p, [](const T* a) { return V::load(a); });
      if (p < k) {
        const auto mk = V::mask(k - p);
        step(p, [mk](const T* a) { return V::load_mask(a, mk); });
      }
      if constexpr (kSums && RB == 4) {
        // Note [Narrow N sums]
        // One horizontal sum per output (8 dependent shuffles and adds) took a third of a
        // block's time, and the scalar write-back of each sum most of the rest. V::sums<N>
        // reduces 8 or 16 accumulators together and puts the sum of in[i] in lane
        // 4 (i % 4) + i / 4: with acc[q][j] as in[4 j + q], row q's NCt sums are the first
        // lanes of 128-bit chunk q, and C's row takes them in one masked operation. With the
        // A row loaded once per k step (keep_in_register) float32 1000x100x2 went from 7.0 to
        // 4.3 us (numpy 4.7), 1000x100x4 from 8.6 to 5.4 (numpy 6.0), 1000x100x8 (then tiles)
        // from 14.2 to 10.6 (numpy 11.3), on one thread; float64 (F64x8::sums8, below)
        // 1000x100x2 10.8 to 7.3 us (numpy 9.3), 1000x100x4 12.5 to 8.6 (numpy 9.1-11.6).
        constexpr int N = NCt <= 2 ? 8 : 16;
        R in[N];
#pragma GCC unroll 16
        for (int i = 0; i < N; ++i) in[i] = i / 4 < NCt ? acc[i % 4][i / 4] : V::zero();
        const R sums = V::template sums<N>(in);
        write_rows<NarrowRowF32>(C + r0 * ldc, ldc, nr, NCt, bias, accumulate, relu,
                                      [&](auto qc) { return _mm512_extractf32x4_ps(sums, decltype(qc)::value); });
      } else if constexpr (kSums64 && RB == 4) {
        // The same for F64x8 (Note [Narrow N sums]): V::sums8 puts the sum of in[i] in lane
        // 2 (i % 4) + i / 4, so columns 0-1 of row q are 128-bit chunk q of s[0], columns 2-3
        // chunk q of s[1].
        R s[2];
#pragma GCC unroll 2
        for (int h = 0; h < (NCt + 1) / 2; ++h) {
          R in[8];
#pragma GCC unroll 8
          for (int i = 0; i < 8; ++i) in[i] = 2 * h + i / 4 < NCt ? acc[i % 4][2 * h + i / 4] : V::zero();
          s[h] = V::sums8(in);
        }
        if constexpr (NCt <= 2) s[1] = s[0];
        auto chunk = [](R v, auto qc) __attribute__((always_inline)) {
          constexpr int q = decltype(qc)::value;
          return _mm256_extractf128_pd(_mm512_extractf64x4_pd(v, q / 2), q % 2);
        };
        write_rows<NarrowRowF64>(C + r0 * ldc, ldc, nr, NCt, bias, accumulate, relu,
                                       [&](auto qc) { return _mm256_set_m128d(chunk(s[1], qc), chunk(s[0], qc)); });
      } else {
        for (int q = 0; q < nr; ++q)
          for (int j = 0; j < NCt; ++j)
            put(C + (r0 + q) * ldc + j, V::hsum(acc[q][j]), accumulate, bias ? bias + j : nullptr, relu);
      }
    }
  }

  // C[i, j] for A stored transposed (k x m, rows contiguous along i): the weight gradient
  // Xᵀ G of a narrow layer. Vectors run along i: per k step, RV vectors of A's row times the
  // NCt broadcast entries of row p of the packed Bp (k x nb, p-major), RV * NCt accumulators;
  // the block is then written to C's rows through a small buffer (C's columns are strided).
  template <int RV, int NCt>
  static void axpy_block(const T* A, i64 lda, const T* Bp, i64 nb, i64 k, T* C, i64 ldc,
                         i64 rows, bool accumulate, const T* bias, bool relu) {
    constexpr i64 RW = RV * W;
    alignas(64) T buf[NCt][RW];
    for (i64 i0 = 0; i0 < rows; i0 += RW) {
      const i64 nr = min64(RW, rows - i0);
      typename V::Mask mk[RV];
#pragma GCC unroll 8
      for (int r = 0; r < RV; ++r) mk[r] = V::mask(nr - r * W);
      R acc[RV][NCt];
#pragma GCC unroll 8
      for (int r = 0; r < RV; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < NCt; ++j) acc[r][j] = V::zero();
      for (i64 p = 0; p < k; ++p) {
        const T* ap = A + p * lda + i0;
        R bv[NCt];
#pragma GCC unroll 4
        for (int j = 0; j < NCt; ++j) bv[j] = V::bcast(Bp + p * nb + j);
#pragma GCC unroll 8
        for (int r = 0; r < RV; ++r) {
          const R x = nr >= RW ? V::load(ap + r * W) : V::load_mask(ap + r * W, mk[r]);
#pragma GCC unroll 4
          for (int j = 0; j < NCt; ++j) acc[r][j] = V::fma(x, bv[j], acc[r][j]);
        }
      }
#pragma GCC unroll 8
      for (int r = 0; r < RV; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < NCt; ++j) V::store(buf[j] + r * W, acc[r][j]);
      for (i64 i = 0; i < nr; ++i)
        for (int j = 0; j < NCt; ++j)
          put(C + (i0 + i) * ldc + j, buf[j][i], accumulate, bias ? bias + j : nullptr, relu);
    }
  }

  static bool try_narrow(const Problem& pr, i64 m0, i64 m1, i64 n0, i64 n1) {
    const i64 n = n1 - n0, k = pr.k;
    // A transposed: up to W columns, the tiles read it strided (float32 512x64x10 Xᵀ G: 0.68
    // -> 0.98 of numpy, 512x256x10 1.25 -> 2.67); past 12 only from k = 128, where the
    // block write-back no longer dominates (512x32x16: 0.80 in tiles, 0.56 here).
    if (n < 2 || (pr.ta ? n > W || (n > 12 && k < 128) : n > W / 2)) return false;
    const bool relu = pr.act == Act::Relu;
    T* C = pr.C + m0 * pr.ldc + n0;
    const T* bias = pr.bias ? pr.bias + n0 : nullptr;
    if (pr.ta) {
      // op(B)[p, n0 .. n1) for every p, packed p-major (k x n) into the B-packing buffer.
      T* bp = static_cast<T*>(tl_pack_b.get(sizeof(T) * n * k));
      for (i64 p = 0; p < k; ++p)
        for (i64 j = 0; j < n; ++j)
          bp[p * n + j] = pr.tb ? pr.B[(n0 + j) * pr.ldb + p] : pr.B[p * pr.ldb + n0 + j];
      // K in chunks of about 256 KiB of A, each summed into C by every column group and row
      // block while it is in L2: over all of K at once, A streamed from memory once per
      // group of 4 columns and 64 rows (conv3d's filter gradient, 65536 x 216 x 16 float32:
      // 13 ms, 35 GFLOP/s). Bias and ReLU go with the last chunk.
      const T* A = pr.A + m0;
      // The chunk length comes from the whole product's rows, not this thread's share of
      // them, so the sums run in the same order whatever the number of threads.
      const i64 rows = m1 - m0;
      const i64 kb = max64(64, (i64(256) << 10) / (max64(pr.m, 1) * i64(sizeof(T))));
      for (i64 pb = 0; pb < k; pb += kb) {
        const i64 kk = min64(kb, k - pb);
        const bool acc = pb > 0 || pr.accumulate, last = pb + kk == k;
        const T* a = A + pb * pr.lda;
        const T* bpp = bp + pb * n;
        for (i64 j0 = 0; j0 < n; j0 += 4) {
          const i64 nc = min64(4, n - j0);
          const T* b = bias && last ? bias + j0 : nullptr;
          const bool r = relu && last;
          if (nc == 4) axpy_block<4, 4>(a, pr.lda, bpp + j0, n, kk, C + j0, pr.ldc, rows, acc, b, r);
          else if (nc == 3) axpy_block<3, 3>(a, pr.lda, bpp + j0, n, kk, C + j0, pr.ldc, rows, acc, b, r);
          else if (nc == 2) axpy_block<4, 2>(a, pr.lda, bpp + j0, n, kk, C + j0, pr.ldc, rows, acc, b, r);
          else axpy_block<4, 1>(a, pr.lda, bpp + j0, n, kk, C + j0, pr.ldc, rows, acc, b, r);
        }
      }
      finish_act(pr, m0, m1 - m0, n0, n);
      return true;
    }
    // With one horizontal sum per output, from 5 columns on the sums cost more than the
    // tiles' empty lanes unless the rows are long (float32 1000x100x5: 0.59 of numpy this way,
    // 0.66 in tiles). F32x16 sums 8 or 16 outputs at once (Note [Narrow N sums]): then only
    // rows shorter than a few vectors go to the tiles (AVX-512, best of 5 x 5 interleaved,
    // m = 16, 64, 1000: tiles win at k = 4 for n = 2, k = 8 for n = 3-4, k = 24 for n = 6-8).
    if (kSums ? k < (n <= 2 ? 8 : n <= 4 ? 16 : 32) : n > 4 && k < 256) return false;
    // op(B)'s columns n0..n1 as contiguous rows of length k: B's own rows when it is
    // transposed, else gathered into the thread's B-packing buffer (n * k elements).
    const T* vt = pr.B + n0 * pr.ldb;
    i64 vs = pr.ldb;
    if (!pr.tb) {
      // TB x TB transposes (TB = 8 floats, 4 doubles) while a full-width read from the
      // block's last row ends inside B: with n < TB it runs on into the next rows (TB - n
      // elements, up to ceil((TB - n) / ldb) rows), whose values land in buf's spare rows.
      // The rest element by element.
      constexpr int TB = kTransposeBlock;
      T* buf = static_cast<T*>(tl_pack_b.get(sizeof(T) * max64(n, TB) * k));
      i64 p = 0;
      if (n <= TB) {
        const i64 spill = n == TB ? 0 : ceil_div(TB - n, pr.ldb);
        for (; p + TB + spill <= k; p += TB) transpose_block(pr.B + p * pr.ldb + n0, pr.ldb, buf + p, k);
      }
      for (; p < k; ++p)
        for (i64 j = 0; j < n; ++j) buf[j * k + p] = pr.B[p * pr.ldb + n0 + j];
      vt = buf;
      vs = k;
    }
    const T* A = pr.A + m0 * pr.lda;
    for (i64 j0 = 0, nc = 0; j0 < n; j0 += nc) {
      // Passes of at most 4 columns, balanced (5 = 3 + 2: a 1-column pass sums one row at a time).
      nc = ceil_div(n - j0, ceil_div(n - j0, 4));
      const T* v = vt + j0 * vs;
      const T* b = bias ? bias + j0 : nullptr;
      if (nc == 4) dot_block<4, 4>(A, pr.lda, v, vs, k, C + j0, pr.ldc, m1 - m0, pr.accumulate, b, relu);
      else if (nc == 3) dot_block<4, 3>(A, pr.lda, v, vs, k, C + j0, pr.ldc, m1 - m0, pr.accumulate, b, relu);
      else if (nc == 2) dot_block<4, 2>(A, pr.lda, v, vs, k, C + j0, pr.ldc, m1 - m0, pr.accumulate, b, relu);
      else dot_rows(A, pr.lda, v, k, C + j0, pr.ldc, m1 - m0, pr.accumulate, b, 0, relu);
    }
    finish_act(pr, m0, m1 - m0, n0, n);
    return true;
  }

  // The vector shapes: one row of C with a transposed B (x @ Wᵀ), or one column of C
  // (A @ x). Returns false if this problem is not one of them. A strided vector operand is
  // first gathered into the thread's A-packing buffer (k elements).
  static bool try_vector(const Problem& pr, i64 m0, i64 m1, i64 n0, i64 n1) {
    const i64 k = pr.k;
    const bool relu = pr.act == Act::Relu;
    auto contiguous = [&](const T* base, i64 stride) -> const T* {
      if (stride == 1) return base;
      T* buf = static_cast<T*>(tl_pack_a.get(sizeof(T) * k));
      for (i64 p = 0; p < k; ++p) buf[p] = base[p * stride];
      return buf;
    };
    if (m1 - m0 == 1 && pr.tb) {
      // C[i, j] = op(A)[i, :] . B[j, :]
      const T* v = pr.ta ? contiguous(pr.A + m0, pr.lda) : pr.A + m0 * pr.lda;
      dot_rows(pr.B + n0 * pr.ldb, pr.ldb, v, k, pr.C + m0 * pr.ldc + n0, 1, n1 - n0,
               pr.accumulate, pr.bias ? pr.bias + n0 : nullptr, 1, relu);
      finish_act(pr, m0, 1, n0, n1 - n0);
      return true;
    }
    if (n1 - n0 == 1 && !pr.ta) {
      // C[i, j] = A[i, :] . op(B)[:, j]
      const T* v = pr.tb ? pr.B + n0 * pr.ldb : contiguous(pr.B + n0, pr.ldb);
      dot_rows(pr.A + m0 * pr.lda, pr.lda, v, k, pr.C + m0 * pr.ldc + n0, pr.ldc, m1 - m0,
               pr.accumulate, pr.bias ? pr.bias + n0 : nullptr, 0, relu);
      finish_act(pr, m0, m1 - m0, n0, 1);
      return true;
    }
    if (n1 - n0 == 1 && pr.ta && pr.ldc == 1 && !pr.bias) {
      // Cᵀ = op(B)ᵀ A: the column of C is a row-vector product over A's contiguous rows.
      Problem t = pr;
      t.A = pr.tb ? pr.B + n0 * pr.ldb : pr.B + n0;
      t.lda = pr.ldb;
      t.ta = !pr.tb;
      t.B = pr.A;
      t.ldb = pr.lda;
      t.tb = false;
      t.C = pr.C + n0;
      t.ldc = 0;
      row_vector(t, 0, m0, m1);
      return true;
    }
    return false;
  }

  // The fields of a Tile that are the same for every tile of one K slice [pc, pc + kc).
  static Tile slice_tile(const Problem& pr, i64 pc, i64 kc, bool last, bool direct_b) {
    Tile t;
    t.kc = kc;
    t.ldc = pr.ldc;
    t.ldb = direct_b ? pr.ldb : NR;
    t.rsa = pr.ta ? 1 : pr.lda;
    t.csa = pr.ta ? pr.lda : 1;
    t.load_c = pr.accumulate || pc > 0;
    t.relu = last && pr.act == Act::Relu;
    return t;
  }

  // Prefetches `rows` rows of `bytes_per_row` each (row r at origin + offset + r * stride
  // elements; the offset is applied only when there are rows, so no pointer leaves the
  // matrix) into L2 while a block's tiles run, a share of the rows at each of its columns
  // (or rows) of tiles: the next pack then reads from L2 instead of L3 (Note [GEMM one row
  // block]). L2, not L1: the tiles running meanwhile need L1 for their own operands.
  struct RowsAhead {
    const T* base;
    i64 stride, rows, lines;
    RowsAhead(const T* origin, i64 offset, i64 stride_, i64 rows_, i64 bytes_per_row)
        : base(rows_ > 0 ? origin + offset : origin), stride(stride_), rows(rows_),
          lines(ceil_div(bytes_per_row, 64)) {}
    void operator()(i64 part, i64 parts) const {
      const i64 r_lo = rows * part / parts, r_hi = rows * (part + 1) / parts;
      for (i64 r = r_lo; r < r_hi; ++r) {
        const char* row = reinterpret_cast<const char*>(base + r * stride);
        for (i64 l = 0; l < lines; ++l) V::prefetch_l2(row + 64 * l);
      }
    }
  };

  // Note [GEMM one row block]
  // When all of M fits one MC block (a batch of 32 or 64 rows times a weight matrix), each
  // packed B sliver is used by only ceil(m / MR) tiles, and packing a whole KC x NC block
  // of B before any FMA leaves the core waiting on L3 for B (read once, 10-20 % of such a
  // GEMM). B is then packed kPackBGroup slivers at a time, and while a group's tiles run,
  // the source rows of the next group are prefetched, so the next pack reads from L2.
  // One K slice [pc, pc + kc) of columns [jc, jc + nc), rows [m0, m0 + m), B not transposed.
  static void grouped_slice(const Problem& pr, i64 m0, i64 m, i64 jc, i64 nc, i64 pc, i64 kc,
                            bool last, bool direct_a, T* abuf, T* bbuf) {
    constexpr i64 GN = i64(kPackBGroup) * NR;
    if (!direct_a) pack_a(pr.A, pr.lda, pr.ta, m0, m, pc, kc, abuf);
    const Tile t = slice_tile(pr, pc, kc, last, false);
    const T* a = direct_a ? pr.A + m0 * t.rsa + pc * t.csa : abuf;
    for (i64 js = 0; js < nc; js += GN) {
      const i64 ns = min64(GN, nc - js);
      pack_b(pr.B, pr.ldb, false, pc, kc, jc + js, ns, bbuf);
      // The next group's rows of B (kc rows of its nn columns), spread over this group.
      const i64 nj = jc + js + GN, nn = min64(GN, jc + nc - nj);
      const RowsAhead ahead(pr.B, pc * pr.ldb + nj, pr.ldb, nn > 0 ? kc : 0, nn * i64(sizeof(T)));
      const T* bias = last && pr.bias ? pr.bias + jc + js : nullptr;
      T* c = pr.C + m0 * pr.ldc + jc + js;
      if (direct_a)
        block<NV, true, false>(t, a, bbuf, c, bias, m, ns, ahead);
      else
        block<NV, false, false>(t, a, bbuf, c, bias, m, ns, ahead);
    }
  }

  // Note [GEMM A slice reuse]
  // run() packs each MC x KC block of A once per NC block of columns: at 2048^3 that is four
  // packs of all of A, 5 % of the time on one thread. With tiles along rows (Note [GEMM tile
  // order]) a packed A block need not stay in L2, so when a whole K slice of A (M x KC) packs
  // into kSliceABytes it is packed once per slice, into a buffer in L3 whose blocks are
  // prefetched into L2 one ahead, and every NC block of columns reuses it.
  static constexpr double kSliceABytes = 8.0 * 1024 * 1024;
  static void run_slices(const Problem& pr, i64 m0, i64 m1, i64 n0, i64 n1, i64 kc_blk,
                         i64 nc_blk, i64 mc_blk, T* bbuf) {
    const i64 m = m1 - m0, k = pr.k;
    T* abuf = static_cast<T*>(tl_pack_a.get(sizeof(T) * (kc_blk * round_up(m, MR) + kPackASlack)));
    for (i64 pc = 0; pc < k; pc += kc_blk) {
      const i64 kc = min64(kc_blk, k - pc);
      const bool last = pc + kc == k;
      pack_a(pr.A, pr.lda, pr.ta, m0, m, pc, kc, abuf);
      const Tile t = slice_tile(pr, pc, kc, last, false);
      for (i64 jc = n0; jc < n1; jc += nc_blk) {
        const i64 nc = min64(nc_blk, n1 - jc);
        pack_b(pr.B, pr.ldb, pr.tb, pc, kc, jc, nc, bbuf);
        const T* bias = last && pr.bias ? pr.bias + jc : nullptr;
        for (i64 ic = m0; ic < m1; ic += mc_blk) {
          const i64 mc = min64(mc_blk, m1 - ic);
          // The next block of the slice (the first one again, for the next NC block).
          const i64 in = ic + mc < m1 ? ic + mc : m0, mn = min64(mc_blk, m1 - in);
          const RowsAhead ahead(abuf, (in - m0) * kc, MR * kc, ceil_div(mn, MR), MR * kc * i64(sizeof(T)));
          block<NV, false, false>(t, abuf + (ic - m0) * kc, bbuf, pr.C + ic * pr.ldc + jc, bias, mc, nc, ahead);
          if (last) finish_act(pr, ic, mc, jc, nc);
        }
      }
    }
  }

  // Which operands run() reads in place for an m x n (x k) product (Note [GEMM blocking]).
  struct Direct {
    bool a, b;
  };
  static Direct direct_operands(bool ta, bool tb, i64 m, i64 n, i64 k) {
    const bool small = double(m) * double(n) * double(k) <= double(kSmallWork);
    return {n <= (ta ? kDirectATransNmax : kDirectANmax) || small || m <= 2,
            !tb && (m <= kDirectBMaxM || small)};
  }

  static void run(const Problem& pr, i64 m0, i64 m1, i64 n0, i64 n1) {
    const i64 m = m1 - m0, n = n1 - n0, k = pr.k;
    if (m <= 0 || n <= 0) return;
    if (m == 1 && !pr.tb) return row_vector(pr, m0, n0, n1);
    if ((m == 1 || n == 1) && try_vector(pr, m0, m1, n0, n1)) return;
    if (m > 2 && try_narrow(pr, m0, m1, n0, n1)) return;  // Note [GEMM narrow N]
    // A right edge of 2 .. W/2 columns past the last full vector runs as the narrow dot
    // products too, instead of one-vector tiles with most lanes empty (Note [GEMM narrow N]).
    if ((kSums || (kSums64 && k >= 16)) && m > 2 && !pr.ta && n > W && n % W >= 2 &&
        try_narrow(pr, m0, m1, n1 - n % W, n1))
      return run(pr, m0, m1, n0, n1 - n % W);
    const Direct direct = direct_operands(pr.ta, pr.tb, m, n, k);
    const bool direct_a = direct.a, direct_b = direct.b;

    const i64 kc_blk = balanced_block(k, KC, 1);
    const i64 nc_blk = balanced_block(n, NC, NR);
    const i64 mc_blk = balanced_block(m, MC, MR);
    T* bbuf = direct_b ? nullptr
                       : static_cast<T*>(tl_pack_b.get(sizeof(T) * kc_blk * round_up(nc_blk, NR)));
    if (kAlongRows && !direct_a && !direct_b && m > mc_blk && n > nc_blk &&
        double(sizeof(T)) * double(round_up(m, MR)) * double(kc_blk) <= kSliceABytes)
      return run_slices(pr, m0, m1, n0, n1, kc_blk, nc_blk, mc_blk, bbuf);
    T* abuf = direct_a ? nullptr
                       : static_cast<T*>(tl_pack_a.get(sizeof(T) * (kc_blk * round_up(mc_blk, MR) + kPackASlack)));

    const bool grouped = !direct_b && !pr.tb && m <= mc_blk;
    for (i64 jc = n0; jc < n1; jc += nc_blk) {
      const i64 nc = min64(nc_blk, n1 - jc);
      for (i64 pc = 0; pc < k; pc += kc_blk) {
        const i64 kc = min64(kc_blk, k - pc);
        const bool last = pc + kc == k;
        if (grouped) {  // Note [GEMM one row block]
          grouped_slice(pr, m0, m, jc, nc, pc, kc, last, direct_a, abuf, bbuf);
          if (last) finish_act(pr, m0, m, jc, nc);
          continue;
        }
        if (!direct_b) pack_b(pr.B, pr.ldb, pr.tb, pc, kc, jc, nc, bbuf);
        for (i64 ic = m0; ic < m1; ic += mc_blk) {
          const i64 mc = min64(mc_blk, m1 - ic);
          if (!direct_a) pack_a(pr.A, pr.lda, pr.ta, ic, mc, pc, kc, abuf);
          const Tile t = slice_tile(pr, pc, kc, last, direct_b);
          const T* bias = last && pr.bias ? pr.bias + jc : nullptr;
          T* c = pr.C + ic * pr.ldc + jc;
          const T* a = direct_a ? pr.A + ic * t.rsa + pc * t.csa : abuf;
          const T* b = direct_b ? pr.B + pc * pr.ldb + jc : bbuf;
          if (direct_b && m == 1)
            block<NV * 4, true, true>(t, a, b, c, bias, mc, nc);
          else if (direct_b && m == 2)
            block<NV * 2, true, true>(t, a, b, c, bias, mc, nc);
          else if (direct_a && direct_b)
            block<NV, true, true>(t, a, b, c, bias, mc, nc);
          else if (direct_a)
            block<NV, true, false>(t, a, b, c, bias, mc, nc);
          else if (direct_b)
            block<NV, false, true>(t, a, b, c, bias, mc, nc);
          else {
            // While this block's tiles run, fetch the source of the next block of A into L2
            // (its pack then reads from L2 instead of L3), spread over the B slivers.
            // (Stored transposed, the block is kc rows of mn elements, else mn rows of kc.)
            const i64 in = ic + mc, mn = min64(mc_blk, m1 - in);
            const RowsAhead ahead = pr.ta
                ? RowsAhead(pr.A, pc * pr.lda + in, pr.lda, mn > 0 ? kc : 0, mn * i64(sizeof(T)))
                : RowsAhead(pr.A, in * pr.lda + pc, pr.lda, max64(mn, 0), kc * i64(sizeof(T)));
            block<NV, false, false>(t, a, b, c, bias, mc, nc, ahead);
          }
          if (last) finish_act(pr, ic, mc, jc, nc);
        }
      }
    }
  }

  // K == 0: C = act(bias) (or C + bias when accumulating), no products at all.
  static void run_empty_k(const Problem& pr, i64 m, i64 n) {
    for (i64 i = 0; i < m; ++i) {
      T* row = pr.C + i * pr.ldc;
      for (i64 j = 0; j < n; ++j) {
        T v = pr.accumulate ? row[j] : T(0);
        if (pr.bias) v += pr.bias[j];
        if (pr.act == Act::Relu) v = v > 0 ? v : (v == v ? T(0) : v);
        row[j] = v;
      }
    }
    finish_act(pr, 0, m, 0, n);
  }

  // Cuts C (m x n) into `parts` MR/NR-aligned rectangles, tm rows by tn columns, choosing
  // the grid that minimises what each thread brings in of the operands: its rows of A and
  // columns of B, a packed one at full weight, one read in place (as run() would for the
  // rectangle) at half. Counting only packing, 4096x64x64 on 2 threads was cut along N
  // (both threads then stream all of A) and ran 8 % slower; ignoring in-place reads,
  // 512x513x511 was cut along M (each thread packs all of B for 256 rows), 3-6 % slower.
  static void grid(const Problem& pr, i64 m, i64 n, int parts, int& tm, int& tn) {
    double best = -1;
    tm = 1; tn = parts;
    for (int r = 1; r <= parts; ++r) {
      if (parts % r) continue;
      int c = parts / r;
      if (ceil_div(m, MR) < r || ceil_div(n, NR) < c) continue;
      const i64 mt = ceil_div(m, r), nt = ceil_div(n, c);
      const Direct d = direct_operands(pr.ta, pr.tb, mt, nt, pr.k);
      const double cost = (d.a ? 0.5 : 1.0) * double(mt) + (d.b ? 0.5 : 1.0) * double(nt);
      // Ties go to more cuts along M where tiles run along rows: each thread then packs only
      // its own rows of each K slice of A (2 threads, 2048^3 float32: +0.5-1 %).
      if (best < 0 || cost < best || (kAlongRows && cost == best)) { best = cost; tm = r; tn = c; }
    }
    if (best < 0) {  // too small to cut that many ways: cut along the longer side only
      if (ceil_div(m, MR) >= ceil_div(n, NR)) { tm = int(min64(parts, ceil_div(m, MR))); tn = 1; }
      else { tm = 1; tn = int(min64(parts, ceil_div(n, NR))); }
    }
  }

  static i64 cut(i64 total, int parts, int idx, i64 unit) {
    return min64(total, round_up(total * idx / parts, unit));
  }

  static void gemm(const GemmArgs<T>& g) {
    if (g.m <= 0 || g.n <= 0 || g.batch <= 0) return;
    auto item = [&g](i64 bt) {
      return Problem{g.a + bt * g.stride_a, g.lda, g.trans_a, g.b + bt * g.stride_b, g.ldb,
                     g.trans_b, g.c + bt * g.stride_c, g.ldc, g.k, g.bias, g.act, g.accumulate, g.m};
    };
    if (g.k <= 0) {
      for (i64 bt = 0; bt < g.batch; ++bt) run_empty_k(item(bt), g.m, g.n);
      return;
    }
    const double work = double(g.m) * double(g.n) * double(g.k);
    const int threads = num_threads();
    const double bytes = (double(g.k) * double(g.m + g.n) + double(g.m) * double(g.n)) * sizeof(T);
    const bool pays = work * double(g.batch) >= kParallelWork || (g.batch == 1 && bytes >= kParallelBytes);
    if (threads <= 1 || !pays) {
      for (i64 bt = 0; bt < g.batch; ++bt) run(item(bt), 0, g.m, 0, g.n);
      return;
    }
    if (g.batch >= threads && (work < 8 * kParallelWork || g.batch % threads == 0)) {
      // Many items: whole items per thread (stride 0 operands are only read, so sharing is fine).
      parallel_for(g.batch, threads, [&](i64 b0, i64 b1) {
        for (i64 bt = b0; bt < b1; ++bt) run(item(bt), 0, g.m, 0, g.n);
      });
      return;
    }
    int tm, tn;
    grid(item(0), g.m, g.n, threads, tm, tn);
    for (i64 bt = 0; bt < g.batch; ++bt) {
      const Problem pr = item(bt);
      parallel_for(i64(tm) * tn, i64(tm) * tn, [&](i64 c0, i64 c1) {
        for (i64 c = c0; c < c1; ++c) {
          int r = int(c / tn), q = int(c % tn);
          run(pr, cut(g.m, tm, r, MR), cut(g.m, tm, r + 1, MR), cut(g.n, tn, q, NR),
              cut(g.n, tn, q + 1, NR));
        }
      });
    }
  }
};

template <class Lanes, int MR_, int NV_, i64 KC_, i64 MC_, i64 NC_, TileOrder Order_>
struct GemmCfg {
  using V = Lanes;
  static constexpr int MR = MR_, NV = NV_;
  static constexpr i64 KC = KC_, MC = MC_, NC = NC_;
  static constexpr TileOrder Order = Order_;
};

template <class CfgF32, class CfgF64>
void register_gemm_for(KernelTable& t) {
  t.f32.gemm = GemmDriver<CfgF32>::gemm;
  t.f64.gemm = GemmDriver<CfgF64>::gemm;
}

}  // namespace
}  // namespace tapegrad::kernels::TG_SIMD_NS
