// Shared forward of softmax and log_softmax: the row kernel on the last axis, other axes by
// moving that axis last and back (kernel work only; the ops record themselves).
#pragma once
#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops::detail {

inline Tensor softmax_rows(const Tensor& x, i64 axis, bool log, const char* op) {
  require_floating(x.dtype(), op);
  const int nd = x.ndim();
  const i64 a = single_axis(x, axis, op);
  if (a != nd - 1) {
    // Swap `a` with the last axis (a self-inverse permutation), without recording.
    std::vector<i64> perm;
    for (int d = 0; d < nd; ++d) perm.push_back(d);
    std::swap(perm[a], perm[nd - 1]);
    Tensor xt;
    {
      TapePause pause;
      xt = transpose(x, perm);
    }
    Tensor yt = softmax_rows(xt, -1, log, op);
    TapePause pause;
    return transpose(yt, perm);
  }
  Tensor y = Tensor::empty(x.dtype(), x.shape(), op);
  i64 cols = x.shape().d[nd - 1];
  if (y.numel() == 0) return y;
  GilRelease nogil(y.numel() >= kGilReleaseElems);
  dispatch_dtype(x.dtype(), [&](auto t) {
    using T = decltype(t);
    kernels::set<T>().softmax(x.data<T>(), x.numel() / cols, cols, y.data<T>(), log);
  });
  return y;
}

}  // namespace tapegrad::ops::detail
