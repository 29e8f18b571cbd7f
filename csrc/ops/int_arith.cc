// Integer arithmetic (Note [Dtypes]): add, subtract, multiply, pow, maximum, minimum,
// negative, abs, square, sign and relu of int32 / int64 tensors, reduce_sum / reduce_max /
// reduce_min, and matmul, as TF does (sums and products wrap around on overflow, computed in
// unsigned arithmetic, where C++'s signed overflow would be undefined). No tape watches an integer tensor, so nothing here has a
// gradient: these are plain loops (gcc vectorises them), not per-ISA kernels. The float ops
// route their integer operands here (elementwise.cc).
#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops::detail {
namespace {

template <class T>
T apply(kernels::Binary k, T x, T y) {
  using U = std::make_unsigned_t<T>;
  switch (k) {
    case kernels::Binary::Add: return static_cast<T>(static_cast<U>(x) + static_cast<U>(y));
    case kernels::Binary::Sub: return static_cast<T>(static_cast<U>(x) - static_cast<U>(y));
    case kernels::Binary::Mul: return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
    case kernels::Binary::Max: return std::max(x, y);
    default: return std::min(x, y);
  }
}

// Calls run(std::integral_constant<Binary, K>{}) for the runtime operation k (add, subtract,
// multiply, max or min), so a loop written once gets each operation as a constant and
// vectorises.
template <class F>
void with_constant_op(kernels::Binary k, F run) {
  using B = kernels::Binary;
  switch (k) {
    case B::Add: run(std::integral_constant<B, B::Add>{}); break;
    case B::Sub: run(std::integral_constant<B, B::Sub>{}); break;
    case B::Mul: run(std::integral_constant<B, B::Mul>{}); break;
    case B::Max: run(std::integral_constant<B, B::Max>{}); break;
    default: run(std::integral_constant<B, B::Min>{}); break;
  }
}

}  // namespace

bool int_binary_supported(kernels::Binary k) {
  return k == kernels::Binary::Add || k == kernels::Binary::Sub || k == kernels::Binary::Mul ||
         k == kernels::Binary::Max || k == kernels::Binary::Min || k == kernels::Binary::Pow;
}

// x ** y elementwise for y >= 0, wrapping: `bits` rounds of square-and-multiply over a chunk
// of elements at a time, every element doing all rounds (branch-free, so the compiler
// vectorises the chunk; per element with its own trip count, random exponents cost a
// mispredicted branch each: 1M int32 with exponents 0-8, 12.1 -> 4.4 ms, numpy 8.7-9.3).
// int64 stays scalar: baseline x86-64 has no 64-bit vector multiply, and gcc's emulation of
// one made 1M int64 powers twice as slow as the scalar rounds.
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
void int_pow64(const std::int64_t* pa, i64 sa, const std::int64_t* pb, i64 sb, std::int64_t* po,
               i64 n, int bits) {
  for (i64 i = 0; i < n; ++i) {
    std::uint64_t r = 1, base = static_cast<std::uint64_t>(pa[i * sa]);
    const std::uint64_t e = static_cast<std::uint64_t>(pb[i * sb]);
    for (int t = 0; t < bits; ++t) {
      const std::uint64_t m = 0 - ((e >> t) & 1);  // all ones where the bit is set: no branch
      r *= (base & m) | (~m & 1);
      base *= base;
    }
    po[i] = static_cast<std::int64_t>(r);
  }
}

template <class T>
void int_pow(const T* pa, i64 sa, const T* pb, i64 sb, T* po, i64 n, int bits) {
  if constexpr (sizeof(T) == 8) {
    int_pow64(pa, sa, pb, sb, po, n, bits);
    return;
  }
  using U = std::make_unsigned_t<T>;
  constexpr i64 kChunk = 256;
  U r[kChunk], base[kChunk], e[kChunk];
  for (i64 i0 = 0; i0 < n; i0 += kChunk) {
    const i64 c = std::min(kChunk, n - i0);
    for (i64 j = 0; j < c; ++j) {
      r[j] = 1;
      base[j] = static_cast<U>(pa[(i0 + j) * sa]);
      e[j] = static_cast<U>(pb[(i0 + j) * sb]);
    }
    for (int t = 0; t < bits; ++t)
      for (i64 j = 0; j < c; ++j) {
        r[j] *= (e[j] >> t) & 1 ? base[j] : U(1);
        base[j] *= base[j];
      }
    for (i64 j = 0; j < c; ++j) po[i0 + j] = static_cast<T>(r[j]);
  }
}

Tensor int_binary(kernels::Binary k, const Tensor& a, const Tensor& b, const char* op) {
  if (k == kernels::Binary::Pow) {
    // TF refuses negative exponents; the largest one sets the rounds of int_pow.
    bool negative = false;
    int bits = 0;
    dispatch_int(b.dtype(), [&](auto z) {
      using T = decltype(z);
      const T* p = b.data<T>();
      T hi = 0;
      for (i64 i = 0; i < b.numel(); ++i) {
        negative |= p[i] < 0;
        hi = std::max(hi, p[i]);
      }
      while (bits < int(sizeof(T) * 8) && (hi >> bits) != 0) ++bits;
    });
    if (negative)
      throw InvalidArgument(std::string(op) + ": Integers to negative integer powers are not allowed");
    return plain_binary(a, b, op, [&](const Tensor& ea, i64 sa, const Tensor& eb, i64 sb, Tensor& out, i64 n) {
      dispatch_int(a.dtype(), [&](auto z) {
        using T = decltype(z);
        int_pow<T>(ea.data<T>(), sa, eb.data<T>(), sb, out.data<T>(), n, bits);
      });
    });
  }
  return plain_binary(a, b, op, [&](const Tensor& ea, i64 sa, const Tensor& eb, i64 sb, Tensor& out, i64 n) {
    dispatch_int(a.dtype(), [&](auto z) {
      using T = decltype(z);
      const T* pa = ea.data<T>();
      const T* pb = eb.data<T>();
      T* po = out.data<T>();
      // the operation chosen outside the loops, so each one vectorises
      auto run = [&](auto kk) {
        strided_loop(pa, sa, pb, sb, po, n, [](T x, T y) { return apply<T>(decltype(kk)::value, x, y); });
      };
      with_constant_op(k, run);
    });
  });
}

bool int_unary_supported(kernels::Unary k) {
  return k == kernels::Unary::Neg || k == kernels::Unary::Abs || k == kernels::Unary::Square ||
         k == kernels::Unary::Sign || k == kernels::Unary::Relu;
}

Tensor int_unary(kernels::Unary k, const Tensor& x, const char* op) {
  Tensor out = Tensor::empty(x.dtype(), x.shape(), op);
  dispatch_int(x.dtype(), [&](auto z) {
    using T = decltype(z);
    using U = std::make_unsigned_t<T>;
    const T* p = x.data<T>();
    T* o = out.data<T>();
    for (i64 i = 0; i < x.numel(); ++i) {
      const T v = p[i];
      const U u = static_cast<U>(v);
      switch (k) {  // -lowest() wraps to itself, as in TF
        case kernels::Unary::Neg: o[i] = static_cast<T>(U(0) - u); break;
        case kernels::Unary::Abs: o[i] = v < 0 ? static_cast<T>(U(0) - u) : v; break;
        case kernels::Unary::Square: o[i] = static_cast<T>(u * u); break;
        case kernels::Unary::Relu: o[i] = v > 0 ? v : T(0); break;
        default: o[i] = static_cast<T>((v > 0) - (v < 0)); break;
      }
    }
  });
  return out;
}

Tensor int_reduce(kernels::Reduce k, const Tensor& x, const std::vector<i64>& axes, const char* op) {
  if (axes.empty()) return x.alias(x.shape());
  const Shape& s = x.shape();
  const Shape ks = keepdims_shape(s, axes);
  Tensor out = Tensor::empty(x.dtype(), ks, op);
  GilRelease nogil(x.numel() >= kGilReleaseElems);
  dispatch_int(x.dtype(), [&](auto z) {
    using T = decltype(z);
    using L = std::numeric_limits<T>;
    const kernels::Binary fold = k == kernels::Reduce::Sum    ? kernels::Binary::Add
                                 : k == kernels::Reduce::Prod ? kernels::Binary::Mul
                                 : k == kernels::Reduce::Max  ? kernels::Binary::Max
                                                              : kernels::Binary::Min;
    // The identity, as TF: 0 for a sum, 1 for a product (both wrap on overflow), the lowest
    // value for a max, the highest for a min.
    const T init = k == kernels::Reduce::Sum    ? T(0)
                   : k == kernels::Reduce::Prod ? T(1)
                   : k == kernels::Reduce::Max  ? L::lowest()
                                                : L::max();
    T* o = out.data<T>();
    std::fill(o, o + out.numel(), init);
    const T* p = x.data<T>();
    // Reduced axes that are one run of dimensions (any axis of a matrix, all axes): x is
    // [outer, red, inner] and the loops below vectorise (sum over axis 0 of 1000x1000 int32:
    // 2.0 ms by the index walk, see RESULTS s25); other axis sets walk the indices.
    std::vector<i64> sorted(axes);
    std::sort(sorted.begin(), sorted.end());
    if (sorted.back() - sorted.front() + 1 == static_cast<i64>(sorted.size())) {
      i64 outer = 1, red = 1, inner = 1;
      for (int d = 0; d < s.ndim; ++d)
        (d < sorted.front() ? outer : d <= sorted.back() ? red : inner) *= s.d[d];
      auto run = [&](auto kk) {
        auto f = [](T u, T v) { return apply<T>(decltype(kk)::value, u, v); };
        for (i64 a = 0; a < outer; ++a) {
          T* oa = o + a * inner;
          const T* pa = p + a * red * inner;
          if (inner == 1) {
            T acc = init;
            for (i64 r = 0; r < red; ++r) acc = f(acc, pa[r]);
            oa[0] = acc;
          } else {
            for (i64 r = 0; r < red; ++r)
              for (i64 j = 0; j < inner; ++j) oa[j] = f(oa[j], pa[r * inner + j]);
          }
        }
      };
      with_constant_op(fold, run);
      return;
    }
    for_each_reduced(s, ks, x.numel(), [&](i64 i, i64 off) { o[off] = apply<T>(fold, o[off], p[i]); });
  });
  return out;
}

void int_gemm(const Tensor& a, i64 batch_a, i64 ra, i64 ca, bool ta, const Tensor& b, i64 batch_b,
              i64 rb, i64 cb, bool tb, const Tensor& c, i64 batch) {
  const i64 m = ta ? ca : ra, k = ta ? ra : ca, n = tb ? rb : cb;
  GilRelease nogil(double(batch) * double(m) * double(n) * double(k) >= 64.0 * 64 * 64);
  dispatch_int(c.dtype(), [&](auto z) {
    using T = decltype(z);
    using U = std::make_unsigned_t<T>;
    for (i64 bt = 0; bt < batch; ++bt) {
      const T* pa = a.data<T>() + (batch_a == 1 ? 0 : bt * ra * ca);
      const T* pb = b.data<T>() + (batch_b == 1 ? 0 : bt * rb * cb);
      U* pc = reinterpret_cast<U*>(c.data<T>() + bt * m * n);
      if (n < 16) {
        // Few columns: each C[i, j] a dot product along contiguous rows of op(A) and op(B)ᵀ
        // (copied once per item), instead of j loops too short to vectorise (1000x100x10
        // int32: 0.95 of numpy's loop as rows, see bench/RESULTS.md session 24).
        std::vector<U> bcols(static_cast<std::size_t>(n * k)), arow(static_cast<std::size_t>(k));
        for (i64 j = 0; j < n; ++j)
          for (i64 p = 0; p < k; ++p) bcols[j * k + p] = static_cast<U>(tb ? pb[j * cb + p] : pb[p * cb + j]);
        for (i64 i = 0; i < m; ++i) {
          for (i64 p = 0; p < k; ++p) arow[p] = static_cast<U>(ta ? pa[p * ca + i] : pa[i * ca + p]);
          for (i64 j = 0; j < n; ++j) {
            const U* bc = bcols.data() + j * k;
            U sum = 0;
            for (i64 p = 0; p < k; ++p) sum += arow[p] * bc[p];
            pc[i * n + j] = sum;
          }
        }
        continue;
      }
      std::fill(pc, pc + m * n, U(0));
      // Row i of C accumulates A[i, p] * row p of op(B): contiguous in j when B is not
      // transposed (gcc vectorises it).
      for (i64 i = 0; i < m; ++i)
        for (i64 p = 0; p < k; ++p) {
          const U av = static_cast<U>(ta ? pa[p * ca + i] : pa[i * ca + p]);
          U* row = pc + i * n;
          if (tb)
            for (i64 j = 0; j < n; ++j) row[j] += av * static_cast<U>(pb[j * cb + p]);
          else
            for (i64 j = 0; j < n; ++j) row[j] += av * static_cast<U>(pb[p * cb + j]);
        }
    }
  });
}

}  // namespace tapegrad::ops::detail
