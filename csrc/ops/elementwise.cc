// Broadcasting engine: coalesces dims so every kernel call is a contiguous inner run with
// operand strides 0 or 1 (same shape, scalar, row and column broadcasts all become one call
// or one call per row), plus the shared shape/dtype checks of the op layer.
#include "ops/elementwise.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/gil.h"

namespace tapegrad::ops {

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  if (a.dtype() != b.dtype())
    throw TypeError(std::string(op) + ": cannot compute " + op + " of " +
                    a_dtype(a.dtype()) + " tensor and " + a_dtype(b.dtype()) +
                    " tensor (expected both " + dtype_name(a.dtype()) +
                    "; use tapegrad.cast to convert)");
}

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  Shape out;
  int n = std::max(a.ndim, b.ndim);
  out.ndim = n;
  for (int i = 0; i < n; ++i) {
    int ia = a.ndim - n + i, ib = b.ndim - n + i;
    i64 da = ia >= 0 ? a.d[ia] : 1, db = ib >= 0 ? b.d[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw InvalidArgument(std::string("Incompatible shapes for ") + op + ": " + a.str() +
                            " vs. " + b.str());
    out.d[i] = da == 1 ? db : da;
  }
  return out;
}

namespace detail {
namespace {

constexpr int kMaxOps = 3;

// Iterates the output (contiguous, shape `out`) with operand element strides, calling
// inner(offsets[], n, inner_strides[]) for each coalesced innermost run.
struct BroadcastPlan {
  int ndim = 0;
  i64 size[kMaxDims];
  i64 stride[kMaxOps][kMaxDims];
  int nops;
};

BroadcastPlan plan(const Shape& out, const Shape* const* ins, int nops) {
  BroadcastPlan p;
  p.nops = nops;
  // Right-align shapes; stride 0 where an operand broadcasts.
  i64 st[kMaxOps][kMaxDims];
  for (int k = 0; k < nops; ++k) {
    const Shape& s = *ins[k];
    i64 acc = 1;
    for (int i = out.ndim - 1; i >= 0; --i) {
      int j = s.ndim - out.ndim + i;
      i64 d = j >= 0 ? s.d[j] : 1;
      st[k][i] = (d == 1) ? 0 : acc;
      acc *= d;
    }
  }
  // Drop size-1 dims, then merge a dim into the next when every operand is contiguous across.
  for (int i = 0; i < out.ndim; ++i) {
    if (out.d[i] == 1) continue;
    if (p.ndim > 0) {
      int q = p.ndim - 1;
      bool merge = true;
      for (int k = 0; k < nops; ++k)
        if (p.stride[k][q] != st[k][i] * out.d[i]) { merge = false; break; }
      if (merge) {
        p.size[q] *= out.d[i];
        for (int k = 0; k < nops; ++k) p.stride[k][q] = st[k][i];
        continue;
      }
    }
    p.size[p.ndim] = out.d[i];
    for (int k = 0; k < nops; ++k) p.stride[k][p.ndim] = st[k][i];
    ++p.ndim;
  }
  if (p.ndim == 0) {
    p.ndim = 1;
    p.size[0] = 1;
    for (int k = 0; k < nops; ++k) p.stride[k][0] = 0;
  }
  return p;
}

template <class F>
void run_plan(const BroadcastPlan& p, F&& inner) {
  int last = p.ndim - 1;
  i64 n = p.size[last];
  i64 s[kMaxOps];
  for (int k = 0; k < p.nops; ++k) s[k] = p.stride[k][last];
  i64 idx[kMaxDims] = {};
  i64 off[kMaxOps] = {};
  i64 out_off = 0;
  i64 outer = 1;
  for (int i = 0; i < last; ++i) outer *= p.size[i];
  for (i64 r = 0; r < outer; ++r) {
    inner(off, out_off, n, s);
    out_off += n;
    for (int i = last - 1; i >= 0; --i) {
      if (++idx[i] < p.size[i]) {
        for (int k = 0; k < p.nops; ++k) off[k] += p.stride[k][i];
        break;
      }
      for (int k = 0; k < p.nops; ++k) off[k] -= p.stride[k][i] * (p.size[i] - 1);
      idx[i] = 0;
    }
  }
}

}  // namespace

Tensor unary(kernels::Unary k, const Tensor& x, const char* op) {
  if (is_integer(x.dtype()) && int_unary_supported(k)) return int_unary(k, x, op);
  require_floating(x.dtype(), op);
  Tensor out = Tensor::empty(x.dtype(), x.shape(), op);
  i64 n = x.numel();
  GilRelease nogil(n >= kGilReleaseElems);
  dispatch_dtype(x.dtype(), [&](auto t) {
    using T = decltype(t);
    kernels::set<T>().unary[int(k)](n, x.data<T>(), out.data<T>());
  });
  return out;
}

Tensor binary(kernels::Binary k, const Tensor& a, const Tensor& b, const char* op) {
  check_same_dtype(a, b, op);
  if (is_integer(a.dtype()) && int_binary_supported(k)) return int_binary(k, a, b, op);
  require_floating(a.dtype(), op);
  Shape os = a.shape() == b.shape() ? a.shape() : broadcast_shape(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(a.dtype(), os, op);
  i64 n = out.numel();
  if (n == 0) return out;
  GilRelease nogil(n >= kGilReleaseElems);
  dispatch_dtype(a.dtype(), [&](auto t) {
    using T = decltype(t);
    auto fn = kernels::set<T>().binary[int(k)];
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = out.data<T>();
    if (a.numel() == n && b.numel() == n) {
      fn(n, pa, 1, pb, 1, po);
      return;
    }
    if (b.numel() == 1 && a.numel() == n) { fn(n, pa, 1, pb, 0, po); return; }
    if (a.numel() == 1 && b.numel() == n) { fn(n, pa, 0, pb, 1, po); return; }
    const Shape* ins[2] = {&a.shape(), &b.shape()};
    BroadcastPlan p = plan(os, ins, 2);
    run_plan(p, [&](const i64* off, i64 oo, i64 len, const i64* s) {
      fn(len, pa + off[0], s[0], pb + off[1], s[1], po + oo);
    });
  });
  return out;
}

Tensor ternary(kernels::Ternary k, const Tensor& g, const Tensor& a, const Tensor& b,
               const char* op) {
  check_same_dtype(g, a, op);
  check_same_dtype(a, b, op);
  require_floating(g.dtype(), op);
  Shape os = broadcast_shape(broadcast_shape(g.shape(), a.shape(), op), b.shape(), op);
  Tensor out = Tensor::empty(g.dtype(), os, op);
  if (out.numel() == 0) return out;
  GilRelease nogil(out.numel() >= kGilReleaseElems);
  dispatch_dtype(g.dtype(), [&](auto t) {
    using T = decltype(t);
    auto fn = kernels::set<T>().ternary[int(k)];
    const T* pg = g.data<T>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* po = out.data<T>();
    const Shape* ins[3] = {&g.shape(), &a.shape(), &b.shape()};
    BroadcastPlan p = plan(os, ins, 3);
    run_plan(p, [&](const i64* off, i64 oo, i64 len, const i64* s) {
      fn(len, pg + off[0], s[0], pa + off[1], s[1], pb + off[2], s[2], po + oo);
    });
  });
  return out;
}

}  // namespace detail
}  // namespace tapegrad::ops

namespace tapegrad::ops {

std::vector<i64> normalize_axes(const std::vector<i64>& axes, int ndim, const char* op) {
  std::vector<i64> out;
  for (i64 a : axes) {
    i64 v = a < 0 ? a + ndim : a;
    if (v < 0 || v >= ndim)
      throw InvalidArgument(std::string(op) + ": axis " + std::to_string(a) +
                            " is out of range for a tensor of rank " + std::to_string(ndim));
    for (i64 u : out)
      if (u == v)
        throw InvalidArgument(std::string(op) + ": axis " + std::to_string(a) +
                              " is given more than once");
    out.push_back(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape keepdims_shape(const Shape& x, const std::vector<i64>& axes) {
  Shape s = x;
  for (i64 a : axes) s.d[a] = 1;
  return s;
}

i64 single_axis(const Tensor& x, i64 axis, const char* op) {
  const int nd = x.ndim();
  if (nd == 0) throw InvalidArgument(std::string(op) + ": expected a tensor of rank >= 1, got a scalar");
  const i64 a = axis < 0 ? axis + nd : axis;
  if (a < 0 || a >= nd)
    throw InvalidArgument(std::string(op) + ": axis " + std::to_string(axis) +
                          " is out of range for a tensor of rank " + std::to_string(nd));
  return a;
}

std::vector<i64> resolve_axes(const Axes& axes, int ndim, const char* op) {
  if (axes) return normalize_axes(*axes, ndim, op);
  std::vector<i64> all;
  for (int d = 0; d < ndim; ++d) all.push_back(d);
  return all;
}

Shape reduced_shape(const Shape& x, const std::vector<i64>& axes, bool keepdims) {
  Shape out;
  for (int d = 0; d < x.ndim; ++d) {
    bool reduced = std::binary_search(axes.begin(), axes.end(), static_cast<i64>(d));
    if (!reduced) out.push_back(x.d[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

namespace detail {

Tensor reduce_impl(kernels::Reduce k, const Tensor& x, const std::vector<i64>& axes,
                   const char* op) {
  require_numeric(x.dtype(), op);
  if (is_integer(x.dtype())) return int_reduce(k, x, axes, op);
  require_floating(x.dtype(), op);
  Tensor cur = x;
  // Reduce runs of adjacent axes, last run first, so each kernel call sees [outer, r, inner].
  int i = static_cast<int>(axes.size()) - 1;
  while (i >= 0) {
    int j = i;
    while (j > 0 && axes[j - 1] == axes[j] - 1) --j;
    const Shape& s = cur.shape();
    i64 a0 = axes[j], a1 = axes[i];
    i64 outer = 1, r = 1, inner = 1;
    for (int d = 0; d < s.ndim; ++d) {
      if (d < a0) outer *= s.d[d];
      else if (d <= a1) r *= s.d[d];
      else inner *= s.d[d];
    }
    Shape os = s;
    for (i64 d = a0; d <= a1; ++d) os.d[d] = 1;
    Tensor out = Tensor::empty(cur.dtype(), os, op);
    if (out.numel() > 0) {
      GilRelease nogil(cur.numel() >= kGilReleaseElems);
      dispatch_dtype(cur.dtype(), [&](auto t) {
        using T = decltype(t);
        T* po = out.data<T>();
        if (r == 0) {
          // The identity, as TF: 0 for a sum, 1 for a product, -inf for a max, +inf for a min.
          const T inf = std::numeric_limits<T>::infinity();
          T v = k == kernels::Reduce::Sum ? T(0) : k == kernels::Reduce::Prod ? T(1)
                : k == kernels::Reduce::Max ? -inf : inf;
          for (i64 q = 0; q < out.numel(); ++q) po[q] = v;
        } else {
          kernels::set<T>().reduce[int(k)](cur.data<T>(), outer, r, inner, po);
        }
      });
    }
    cur = out;
    i = j - 1;
  }
  if (axes.empty()) return x.alias(x.shape());
  return cur;
}

Tensor broadcast_copy(const Tensor& x, const Shape& shape, const char* op) {
  Tensor out = Tensor::empty(x.dtype(), shape, op);
  if (out.numel() == 0) return out;
  GilRelease nogil(out.numel() >= kGilReleaseElems);
  dispatch_all(x.dtype(), [&](auto t) {
    using T = decltype(t);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const Shape* ins[1] = {&x.shape()};
    BroadcastPlan p = plan(shape, ins, 1);
    run_plan(p, [&](const i64* off, i64 oo, i64 len, const i64* s) {
      const T* src = px + off[0];
      T* dst = po + oo;
      if (s[0] == 0) std::fill(dst, dst + len, *src);
      else std::copy(src, src + len, dst);
    });
  });
  return out;
}

void copy_box(const Tensor& src, const i64* src_begin, const Tensor& dst, const i64* dst_begin,
              const Shape& count) {
  i64 total = count.numel();
  if (total == 0) return;
  GilRelease nogil(total >= kGilReleaseElems);
  int nd = count.ndim;
  if (nd == 0) {
    std::memcpy(dst.raw(), src.raw(), itemsize(src.dtype()));
    return;
  }
  const Shape &ss = src.shape(), &ds = dst.shape();
  i64 sstr[kMaxDims], dstr[kMaxDims];
  i64 a = 1, b = 1;
  for (int d = nd - 1; d >= 0; --d) {
    sstr[d] = a; a *= ss.d[d];
    dstr[d] = b; b *= ds.d[d];
  }
  std::size_t isz = itemsize(src.dtype());
  const char* sp = static_cast<const char*>(src.raw());
  char* dp = static_cast<char*>(dst.raw());
  i64 so = 0, dof = 0;
  for (int d = 0; d < nd; ++d) {
    so += src_begin[d] * sstr[d];
    dof += dst_begin[d] * dstr[d];
  }
  i64 row = count.d[nd - 1];
  i64 idx[kMaxDims] = {};
  i64 rows = total / row;
  for (i64 r = 0; r < rows; ++r) {
    std::memcpy(dp + dof * isz, sp + so * isz, row * isz);
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < count.d[d]) {
        so += sstr[d];
        dof += dstr[d];
        break;
      }
      so -= sstr[d] * (count.d[d] - 1);
      dof -= dstr[d] * (count.d[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace detail
}  // namespace tapegrad::ops
