// Shapes → GemmArgs for matmul and linear: the one place that turns tensors into a kernel call.
#pragma once
#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops::detail {

// C[batch, m, n] (C preallocated, contiguous) = act(op(A) @ op(B) + bias).
// A is [batch_a, ra, ca] with batch_a 1 (broadcast) or batch; likewise B.
inline void gemm_into(const Tensor& a, i64 batch_a, i64 ra, i64 ca, bool ta, const Tensor& b,
                      i64 batch_b, i64 rb, i64 cb, bool tb, const Tensor& c, i64 batch,
                      const Tensor& bias, kernels::Act act) {
  i64 m = ta ? ca : ra, k = ta ? ra : ca, n = tb ? rb : cb;
  if (c.numel() == 0) return;
  double flops = 2.0 * static_cast<double>(batch) * m * n * k;
  GilRelease nogil(flops >= 2.0 * 64 * 64 * 64);
  dispatch_dtype(c.dtype(), [&](auto t) {
    using T = decltype(t);
    kernels::GemmArgs<T> g{m, n, k,
                           a.data<T>(), ca, ta,
                           b.data<T>(), cb, tb,
                           c.data<T>(), n,
                           bias.defined() ? bias.data<T>() : nullptr,
                           act, false,
                           batch, batch_a == 1 ? 0 : ra * ca, batch_b == 1 ? 0 : rb * cb, m * n};
    kernels::set<T>().gemm(g);
  });
}

}  // namespace tapegrad::ops::detail
