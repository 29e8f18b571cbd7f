// Scalar reference GEMM: C = act(op(A) @ op(B) + bias), plain loops (see GemmArgs).
#include <cmath>

#include "kernels/kernels.h"

namespace tapegrad::kernels::scalar {
namespace {

template <class T> inline T activate(Act act, T v) {
  switch (act) {
    case Act::Relu: return v > 0 ? v : (v == v ? T(0) : v);
    case Act::Sigmoid: return v >= 0 ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
    case Act::Tanh: return std::tanh(v);
    default: return v;
  }
}

template <class T> void gemm(const GemmArgs<T>& g) {
  for (i64 bt = 0; bt < g.batch; ++bt) {
    const T* A = g.a + bt * g.stride_a;
    const T* B = g.b + bt * g.stride_b;
    T* C = g.c + bt * g.stride_c;
    for (i64 i = 0; i < g.m; ++i) {
      T* crow = C + i * g.ldc;
      if (!g.accumulate)
        for (i64 j = 0; j < g.n; ++j) crow[j] = 0;
      for (i64 p = 0; p < g.k; ++p) {
        T av = g.trans_a ? A[p * g.lda + i] : A[i * g.lda + p];
        if (g.trans_b)
          for (i64 j = 0; j < g.n; ++j) crow[j] += av * B[j * g.ldb + p];
        else
          for (i64 j = 0; j < g.n; ++j) crow[j] += av * B[p * g.ldb + j];
      }
      if (g.bias || g.act != Act::None)
        for (i64 j = 0; j < g.n; ++j) crow[j] = activate(g.act, crow[j] + (g.bias ? g.bias[j] : T(0)));
    }
  }
}

}  // namespace

void register_gemm(KernelTable& t) {
  t.f32.gemm = gemm<float>;
  t.f64.gemm = gemm<double>;
}

}  // namespace tapegrad::kernels::scalar
