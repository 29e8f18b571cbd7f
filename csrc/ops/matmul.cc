// C = op(A) @ op(B), op = optional transpose of the last two dims; leading (batch) dims
// broadcast.     A[m,k] B[k,n] dC[m,n]:
//   C = A B:     dA = dC Bᵀ     dB = Aᵀ dC
//   C = A Bᵀ:    dA = dC B      dB = dCᵀ A
//   C = Aᵀ B:    dA = B dCᵀ     dB = A dC
//   C = Aᵀ Bᵀ:   dA = Bᵀ dCᵀ    dB = dCᵀ Aᵀ
// then sum_to the operand's shape where its batch dims were broadcast. The transposes are
// flags of the GEMM (folded into packing), never materialised.
#include "ops/gemm_call.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &a = e.saved[0], &b = e.saved[1];
  const Tensor& dc = g[0];
  bool ta = e.attrs.ints[0], tb = e.attrs.ints[1];
  if (needs[0]) {
    Tensor da = !ta ? matmul(dc, b, false, !tb) : matmul(b, dc, tb, true);
    gin[0] = detail::unbroadcast(da, a.shape());
  }
  if (needs[1]) {
    Tensor db = !tb ? matmul(a, dc, !ta, false) : matmul(dc, a, true, ta);
    gin[1] = detail::unbroadcast(db, b.shape());
  }
}
}  // namespace
const OpDef op_matmul{"matmul", vjp};

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  check_same_dtype(a, b, "matmul");
  const bool ints = is_integer(a.dtype());  // TF multiplies int32 / int64 too (no gradient)
  require_numeric(a.dtype(), "matmul");
  const Shape &as = a.shape(), &bs = b.shape();
  if (as.ndim < 2 || bs.ndim < 2)
    throw InvalidArgument("matmul: In[0] and In[1] must have rank >= 2, got shapes " + as.str() +
                          " and " + bs.str());
  i64 ra = as.d[as.ndim - 2], ca = as.d[as.ndim - 1], rb = bs.d[bs.ndim - 2], cb = bs.d[bs.ndim - 1];
  i64 m = ta ? ca : ra, k = ta ? ra : ca, kb = tb ? cb : rb, n = tb ? rb : cb;
  if (k != kb)
    throw InvalidArgument("Matrix size-incompatible for matmul: In[0]: " + as.str() +
                          ", In[1]: " + bs.str() + (ta ? " (transpose_a)" : "") +
                          (tb ? " (transpose_b)" : ""));
  // Batch dims: each side's leading dims must equal the broadcast batch shape or be all 1s.
  Shape ab, bb;
  for (int d = 0; d < as.ndim - 2; ++d) ab.push_back(as.d[d]);
  for (int d = 0; d < bs.ndim - 2; ++d) bb.push_back(bs.d[d]);
  // Checked here so the message shows both operands' full shapes, not just their batch dims.
  for (int i = 1; i <= ab.ndim && i <= bb.ndim; ++i) {
    i64 x = ab.d[ab.ndim - i], y = bb.d[bb.ndim - i];
    if (x != y && x != 1 && y != 1)
      throw InvalidArgument("matmul: In[0] and In[1] must have compatible batch dimensions: " +
                            as.str() + " vs. " + bs.str());
  }
  Shape batch_shape = broadcast_shape(ab, bb, "matmul");
  i64 batch = batch_shape.numel(), na = ab.numel(), nb = bb.numel();
  // The GEMM takes each side's batch as full or 1; a partial broadcast (TF allows [2,1] with
  // [3]) gets a copy expanded to the full batch. The tape still saves the original operands,
  // and the vjp's unbroadcast sums the gradient back to their shapes.
  Tensor ae = a, be = b;
  if (na != batch && na != 1) {
    Shape s = batch_shape;
    s.push_back(ra);
    s.push_back(ca);
    ae = detail::broadcast_copy(a, s, "matmul");
    na = batch;
  }
  if (nb != batch && nb != 1) {
    Shape s = batch_shape;
    s.push_back(rb);
    s.push_back(cb);
    be = detail::broadcast_copy(b, s, "matmul");
    nb = batch;
  }
  Shape cs = batch_shape;
  cs.push_back(m);
  cs.push_back(n);
  Tensor c = Tensor::empty(a.dtype(), cs, "matmul");
  if (ints) {
    detail::int_gemm(ae, na, ra, ca, ta, be, nb, rb, cb, tb, c, batch);
  } else if (k == 0) {
    dispatch_dtype(c.dtype(), [&](auto t) {
      using T = decltype(t);
      std::fill(c.data<T>(), c.data<T>() + c.numel(), T(0));
    });
  } else {
    detail::gemm_into(ae, na, ra, ca, ta, be, nb, rb, cb, tb, c, batch, Tensor(), kernels::Act::None);
  }
  if (should_record({a, b})) {
    Attrs at;
    at.ints.push_back(ta);
    at.ints.push_back(tb);
    record1(op_matmul, {a, b}, c, {a, b}, std::move(at));
  }
  return c;
}
}  // namespace tapegrad::ops
