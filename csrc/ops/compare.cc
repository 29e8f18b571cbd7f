// Comparisons (equal, not_equal, less, ...), logical and/or/xor/not, reduce_any/reduce_all:
// bool results, no gradient (Note [Dtypes]). Loops over contiguous runs (gcc vectorises them);
// a broadcast operand is first copied to the output shape unless it is a scalar (expand_to).
#include <algorithm>

#include "core/gil.h"
#include "ops/elementwise.h"

namespace tapegrad::ops {
namespace {

// Calls f(pa, stride_a, pb, stride_b, out, n) over the broadcast of a and b (same dtype T).
template <class T, class F>
Tensor broadcast_apply(const Tensor& a, const Tensor& b, const char* op, F f) {
  Shape os = a.shape() == b.shape() ? a.shape() : broadcast_shape(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(DType::Bool, os, op);
  const i64 n = out.numel();
  if (n == 0) return out;
  const Tensor ea = detail::expand_to(a, os, op), eb = detail::expand_to(b, os, op);
  GilRelease nogil(n >= kGilReleaseElems);
  f(ea.data<T>(), detail::stride_of(ea), eb.data<T>(), detail::stride_of(eb), out.data<bool>(), n);
  return out;
}

template <class T, class Pred>
void run(const T* a, i64 sa, const T* b, i64 sb, bool* o, i64 n, Pred p) {
  if (sa && sb) for (i64 i = 0; i < n; ++i) o[i] = p(a[i], b[i]);
  else if (sa) { const T y = *b; for (i64 i = 0; i < n; ++i) o[i] = p(a[i], y); }
  else if (sb) { const T x = *a; for (i64 i = 0; i < n; ++i) o[i] = p(x, b[i]); }
  else o[0] = p(*a, *b);
}

void require_bool(const Tensor& t, const char* op) {
  if (t.dtype() != DType::Bool)
    throw TypeError(std::string(op) + ": expected a bool tensor, got " + a_dtype(t.dtype()) +
                    " tensor");
}

}  // namespace

Tensor compare(Compare c, const Tensor& a, const Tensor& b, const char* op) {
  check_same_dtype(a, b, op);
  return dispatch_all(a.dtype(), [&](auto z) {
    using T = decltype(z);
    return broadcast_apply<T>(a, b, op, [c](const T* pa, i64 sa, const T* pb, i64 sb, bool* o, i64 n) {
      switch (c) {
        case Compare::Equal: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x == y; }); break;
        case Compare::NotEqual: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x != y; }); break;
        case Compare::Less: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x < y; }); break;
        case Compare::LessEqual: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x <= y; }); break;
        case Compare::Greater: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x > y; }); break;
        case Compare::GreaterEqual: run(pa, sa, pb, sb, o, n, [](T x, T y) { return x >= y; }); break;
      }
    });
  });
}

Tensor logical(Logic l, const Tensor& a, const Tensor& b, const char* op) {
  require_bool(a, op);
  require_bool(b, op);
  return broadcast_apply<bool>(a, b, op, [l](const bool* pa, i64 sa, const bool* pb, i64 sb, bool* o, i64 n) {
    switch (l) {
      case Logic::And: run(pa, sa, pb, sb, o, n, [](bool x, bool y) { return x && y; }); break;
      case Logic::Or: run(pa, sa, pb, sb, o, n, [](bool x, bool y) { return x || y; }); break;
      case Logic::Xor: run(pa, sa, pb, sb, o, n, [](bool x, bool y) { return x != y; }); break;
    }
  });
}

Tensor logical_not(const Tensor& x) {
  require_bool(x, "logical_not");
  Tensor out = Tensor::empty(DType::Bool, x.shape(), "logical_not");
  const bool* p = x.data<bool>();
  bool* o = out.data<bool>();
  for (i64 i = 0; i < x.numel(); ++i) o[i] = !p[i];
  return out;
}

Tensor reduce_logical(bool all, const Tensor& x, const Axes& axes_in, bool keepdims) {
  const char* op = all ? "reduce_all" : "reduce_any";
  require_bool(x, op);
  std::vector<i64> axes = resolve_axes(axes_in, x.ndim(), op);
  const Shape& s = x.shape();
  Shape ks = keepdims_shape(s, axes);
  Tensor out = Tensor::full(DType::Bool, ks, all ? 1.0 : 0.0, op);
  const bool* p = x.data<bool>();
  bool* o = out.data<bool>();
  detail::for_each_reduced(s, ks, x.numel(), [&](i64 i, i64 off) {
    o[off] = all ? o[off] && p[i] : o[off] || p[i];
  });
  return out.alias(reduced_shape(s, axes, keepdims));
}

Tensor where_true(const Tensor& cond) {
  require_bool(cond, "where");
  const bool* p = cond.data<bool>();
  const i64 n = cond.numel();
  const int nd = cond.ndim();
  i64 count = 0;
  for (i64 i = 0; i < n; ++i) count += p[i];
  Tensor out = Tensor::empty(DType::Int64, Shape{count, nd}, "where");
  std::int64_t* o = out.data<std::int64_t>();
  i64 idx[kMaxDims] = {};
  for (i64 i = 0; i < n; ++i) {
    if (p[i]) for (int d = 0; d < nd; ++d) *o++ = idx[d];
    for (int d = nd - 1; d >= 0; --d) {
      if (++idx[d] < cond.shape().d[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

}  // namespace tapegrad::ops
