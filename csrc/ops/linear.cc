// y = act(x @ W + b) in one GEMM pass (bias and activation in the epilogue).
//   x[..., in] W[in, units] b[units]:   gz = grad * act'(y)  (relu: relu_grad(grad, y))
//   dx = gz @ Wᵀ   dW = x₂ᵀ @ gz₂ (x₂, gz₂: leading dims flattened)   db = Σ_rows gz
#include "ops/gemm_call.h"

namespace tapegrad::ops {
namespace {
Tensor act_backward(kernels::Act act, const Tensor& g, const Tensor& y) {
  DType dt = y.dtype();
  switch (act) {
    case kernels::Act::Relu: return relu_grad(g, y);
    case kernels::Act::Sigmoid:
      return multiply(g, multiply(y, subtract(Tensor::scalar(dt, 1.0), y)));
    case kernels::Act::Tanh: return multiply(g, subtract(Tensor::scalar(dt, 1.0), square(y)));
    default: return g;
  }
}

void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  const Tensor &x = e.saved[0], &w = e.saved[1];
  auto act = static_cast<kernels::Act>(e.attrs.ints[0]);
  Tensor gz = act == kernels::Act::None ? g[0] : act_backward(act, g[0], e.saved[2]);
  i64 in = w.shape().d[0], units = w.shape().d[1];
  Tensor gz2 = reshape(gz, Shape{gz.numel() / std::max<i64>(units, 1), units});
  if (needs[0]) gin[0] = reshape(matmul(gz2, w, false, true), x.shape());
  if (needs[1]) gin[1] = matmul(reshape(x, Shape{x.numel() / std::max<i64>(in, 1), in}), gz2, true, false);
  if (e.in.size() > 2 && needs[2]) gin[2] = reduce_sum(gz2, std::vector<i64>{0}, false);
}
}  // namespace
const OpDef op_linear{"linear", vjp};

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias, kernels::Act act) {
  check_same_dtype(x, w, "linear");
  require_floating(x.dtype(), "linear");
  const Shape &xs = x.shape(), &ws = w.shape();
  if (ws.ndim != 2)
    throw InvalidArgument("linear: kernel must be 2-D (in, units), got shape " + ws.str());
  if (xs.ndim < 1 || xs.d[xs.ndim - 1] != ws.d[0])
    throw InvalidArgument("Matrix size-incompatible for linear: x " + xs.str() + ", kernel " +
                          ws.str() + " (x's last dimension must equal the kernel's first)");
  i64 in = ws.d[0], units = ws.d[1];
  if (bias.defined()) {
    check_same_dtype(x, bias, "linear");
    if (bias.ndim() != 1 || bias.shape().d[0] != units)
      throw InvalidArgument("linear: bias must have shape (" + std::to_string(units) +
                            ",), got " + bias.shape().str());
  }
  Shape ys = xs;
  ys.d[ys.ndim - 1] = units;
  Tensor y = Tensor::empty(x.dtype(), ys, "linear");
  i64 rows = in > 0 ? x.numel() / in : xs.numel() / std::max<i64>(xs.d[xs.ndim - 1], 1);
  if (in == 0) {
    // x @ W is all zeros: the result is act(bias) (or act(0)).
    TapePause pause;
    Tensor z = Tensor::full(x.dtype(), ys, 0.0, "linear");
    Tensor pre = bias.defined() ? add(z, bias) : z;
    Tensor r = act == kernels::Act::Relu ? relu(pre) : act == kernels::Act::Sigmoid ? sigmoid(pre)
               : act == kernels::Act::Tanh ? tanh(pre) : pre;
    y = r;
  } else {
    detail::gemm_into(x, 1, rows, in, false, w, 1, in, units, false, y, 1, bias, act);
  }
  bool rec = bias.defined() ? should_record({x, w, bias}) : should_record({x, w});
  if (rec) {
    Attrs at;
    at.ints.push_back(static_cast<i64>(act));
    SmallVec<Tensor, 3> saved{x, w};
    if (act != kernels::Act::None) saved.push_back(y);
    if (bias.defined()) record1(op_linear, {x, w, bias}, y, std::move(saved), std::move(at));
    else record1(op_linear, {x, w}, y, std::move(saved), std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
