// y = x with axes permuted: y.shape[i] = x.shape[perm[i]].   dx = transpose(grad, perm⁻¹)
#include "ops/elementwise.h"

#include "core/gil.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  std::vector<i64> inv(e.attrs.ints.size());
  for (int i = 0; i < e.attrs.ints.size(); ++i) inv[e.attrs.ints[i]] = i;
  gin[0] = transpose(g[0], inv);
}

template <class T>
void permute(const T* x, const Shape& xs, const std::vector<i64>& perm, T* y, i64 n) {
  int nd = xs.ndim;
  i64 xstr[kMaxDims], st[kMaxDims], size[kMaxDims];
  i64 acc = 1;
  for (int d = nd - 1; d >= 0; --d) { xstr[d] = acc; acc *= xs.d[d]; }
  for (int i = 0; i < nd; ++i) { st[i] = xstr[perm[i]]; size[i] = xs.d[perm[i]]; }
  if (nd == 2) {  // blocked 2-D transpose: both sides stay in cache
    const i64 B = 32, R = size[0], C = size[1];
    for (i64 i0 = 0; i0 < R; i0 += B)
      for (i64 j0 = 0; j0 < C; j0 += B)
        for (i64 i = i0; i < std::min(R, i0 + B); ++i)
          for (i64 j = j0; j < std::min(C, j0 + B); ++j) y[i * C + j] = x[i * st[0] + j * st[1]];
    return;
  }
  i64 idx[kMaxDims] = {};
  i64 off = 0;
  i64 inner = size[nd - 1], s_in = st[nd - 1];
  for (i64 o = 0; o < n; o += inner) {
    for (i64 j = 0; j < inner; ++j) y[o + j] = x[off + j * s_in];
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < size[d]) { off += st[d]; break; }
      off -= st[d] * (size[d] - 1);
      idx[d] = 0;
    }
  }
}
}  // namespace
const OpDef op_transpose{"transpose", vjp};

Tensor transpose(const Tensor& x, const std::vector<i64>& perm_in) {
  int nd = x.ndim();
  std::vector<i64> perm = perm_in;
  if (perm.empty())
    for (int d = nd - 1; d >= 0; --d) perm.push_back(d);
  if (static_cast<int>(perm.size()) != nd)
    throw InvalidArgument("transpose: perm has " + std::to_string(perm.size()) +
                          " entries but the tensor has rank " + std::to_string(nd) + " (shape " +
                          x.shape().str() + ")");
  std::vector<char> seen(nd, 0);
  for (i64& p : perm) {
    if (p < 0) p += nd;
    if (p < 0 || p >= nd || seen[p]) {
      std::string given;
      for (i64 q : perm_in) given += (given.empty() ? "" : ", ") + std::to_string(q);
      throw InvalidArgument("transpose: perm [" + given + "] is not a permutation of 0.." +
                            std::to_string(nd - 1) + " (shape " + x.shape().str() + ")");
    }
    seen[p] = 1;
  }
  Shape ys;
  bool trivial = true;
  for (int i = 0; i < nd; ++i) {
    ys.push_back(x.shape().d[perm[i]]);
    trivial &= perm[i] == i;
  }
  Tensor y;
  if (trivial) {
    y = x.alias(ys);
  } else {
    y = Tensor::empty(x.dtype(), ys, "transpose");
    if (y.numel() > 0) {
      GilRelease nogil(y.numel() >= kGilReleaseElems);
      dispatch_all(x.dtype(), [&](auto t) {
        using T = decltype(t);
        permute<T>(x.data<T>(), x.shape(), perm, y.data<T>(), y.numel());
      });
    }
  }
  if (should_record({x})) {
    Attrs at;
    for (i64 p : perm) at.ints.push_back(p);
    record1(op_transpose, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
