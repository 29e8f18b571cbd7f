// Scalar reference reductions over the middle axis of [outer, r, inner].
#include <cmath>

#include "kernels/kernels.h"

namespace tapegrad::kernels::scalar {
namespace {

// Sums accumulate in double (long double for float64 would be slow and no better than
// blocked pairwise); this is the accuracy reference the SIMD versions are held to.
template <class T> void reduce_sum(const T* x, i64 outer, i64 r, i64 inner, T* out) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i) {
      double s = 0, c = 0;  // Kahan-compensated so float64 sums stay near pairwise accuracy
      for (i64 j = 0; j < r; ++j) {
        double y = static_cast<double>(x[(o * r + j) * inner + i]) - c;
        double t = s + y;
        c = (t - s) - y;
        if (c != c) c = 0;  // an inf partial sum makes c NaN; keep s's IEEE inf/NaN semantics
        s = t;
      }
      out[o * inner + i] = static_cast<T>(s);
    }
}

// max, or with kMin min; a NaN propagates as in np.max / np.min.
template <class T, bool kMin> void reduce_extreme(const T* x, i64 outer, i64 r, i64 inner, T* out) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i) {
      T m = x[o * r * inner + i];
      for (i64 j = 1; j < r; ++j) {
        T v = x[(o * r + j) * inner + i];
        if ((kMin ? v < m : v > m) || v != v) m = v;
        if (m != m) break;
      }
      out[o * inner + i] = m;
    }
}

// The product in T, in order (as TF's CPU kernels multiply in T).
template <class T> void reduce_prod(const T* x, i64 outer, i64 r, i64 inner, T* out) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i) {
      T p = T(1);
      for (i64 j = 0; j < r; ++j) p *= x[(o * r + j) * inner + i];
      out[o * inner + i] = p;
    }
}

// The running sum (product) in T along j, in order (Note [Scans]): the reference the SIMD
// scans match.
template <bool kProd, class T>
void scan(const T* x, i64 outer, i64 r, i64 inner, T* out, bool exclusive, bool reverse) {
  for (i64 o = 0; o < outer; ++o)
    for (i64 i = 0; i < inner; ++i)
      scan_line<kProd>(x + o * r * inner + i, r, inner, out + o * r * inner + i, exclusive, reverse);
}

}  // namespace

void register_reduce(KernelTable& t) {
  t.f32.cumsum = scan<false, float>;
  t.f64.cumsum = scan<false, double>;
  t.f32.cumprod = scan<true, float>;
  t.f64.cumprod = scan<true, double>;
  t.f32.reduce[int(Reduce::Sum)] = reduce_sum<float>;
  t.f32.reduce[int(Reduce::Max)] = reduce_extreme<float, false>;
  t.f32.reduce[int(Reduce::Min)] = reduce_extreme<float, true>;
  t.f64.reduce[int(Reduce::Sum)] = reduce_sum<double>;
  t.f64.reduce[int(Reduce::Max)] = reduce_extreme<double, false>;
  t.f64.reduce[int(Reduce::Min)] = reduce_extreme<double, true>;
  t.f32.reduce[int(Reduce::Prod)] = reduce_prod<float>;
  t.f64.reduce[int(Reduce::Prod)] = reduce_prod<double>;
}

}  // namespace tapegrad::kernels::scalar
