// Scalar reference kernels: elementwise unary/binary/ternary ops, axpy, softmax, act_grad.
// The SIMD folders are tested against these; keep them obviously right.
#include <cmath>

#include "kernels/kernels.h"

namespace tapegrad::kernels::scalar {
namespace {

template <class T> inline T sigmoid(T x) {
  // Split by sign so exp never overflows into inf/inf.
  if (x >= 0) return T(1) / (T(1) + std::exp(-x));
  T e = std::exp(x);
  return e / (T(1) + e);
}

template <class T> inline T apply(Unary op, T x) {
  switch (op) {
    case Unary::Neg: return -x;
    case Unary::Abs: return std::fabs(x);
    case Unary::Sign: return x > 0 ? T(1) : (x < 0 ? T(-1) : (x == 0 ? T(0) : x));
    case Unary::Square: return x * x;
    case Unary::Sqrt: return std::sqrt(x);
    case Unary::Exp: return std::exp(x);
    case Unary::Log: return std::log(x);
    case Unary::Log1p: return std::log1p(x);
    case Unary::Expm1: return std::expm1(x);
    case Unary::Erf: return T(std::erf(double(x)));  // float: through double, rounded once
    case Unary::Erfc: return T(std::erfc(double(x)));
    case Unary::Sin: return T(std::sin(double(x)));
    case Unary::Cos: return T(std::cos(double(x)));
    case Unary::Tan: return T(std::tan(double(x)));
    case Unary::Atan: return T(std::atan(double(x)));
    case Unary::Tanh: return std::tanh(x);
    case Unary::Sigmoid: return sigmoid(x);
    case Unary::Relu: return x > 0 ? x : (x == x ? T(0) : x);  // NaN propagates, as np.maximum
    default: return x;
  }
}

template <class T> inline T apply(Binary op, T a, T b) {
  switch (op) {
    case Binary::Add: return a + b;
    case Binary::Sub: return a - b;
    case Binary::Mul: return a * b;
    case Binary::Div: return a / b;
    // np.maximum/minimum propagate NaN from either side.
    case Binary::Max: return (a != a || b != b) ? a + b : (a > b ? a : b);
    case Binary::Min: return (a != a || b != b) ? a + b : (a < b ? a : b);
    case Binary::Pow: return std::pow(a, b);
    case Binary::ReluGrad: return b > 0 ? a : T(0);
    case Binary::LeakyRelu: return a > 0 ? a : a * b;
    default: return a;
  }
}

template <class T, Unary op> void unary(i64 n, const T* x, T* out) {
  for (i64 i = 0; i < n; ++i) out[i] = apply<T>(op, x[i]);
}

template <class T, Binary op>
void binary(i64 n, const T* a, i64 sa, const T* b, i64 sb, T* out) {
  for (i64 i = 0; i < n; ++i) out[i] = apply<T>(op, a[i * sa], b[i * sb]);
}

template <class T, Ternary op>
void ternary(i64 n, const T* g, i64 sg, const T* a, i64 sa, const T* b, i64 sb, T* out) {
  for (i64 i = 0; i < n; ++i) {
    T x = a[i * sa], y = b[i * sb];
    bool keep = op == Ternary::MaskGe ? x >= y : x > y;
    out[i] = keep ? g[i * sg] : T(0);
  }
}

template <class T> void axpy(i64 n, T alpha, const T* x, T* y) {
  for (i64 i = 0; i < n; ++i) y[i] += alpha * x[i];
}

template <class T> void softmax(const T* x, i64 rows, i64 cols, T* out, bool log) {
  for (i64 r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* o = out + r * cols;
    T m = -INFINITY;
    for (i64 c = 0; c < cols; ++c) m = xr[c] > m ? xr[c] : m;
    if (!std::isfinite(m)) m = m != m ? m : T(0);  // all -inf (or +inf) rows: avoid inf - inf
    double s = 0;
    for (i64 c = 0; c < cols; ++c) s += std::exp(xr[c] - m);
    if (log) {
      T ls = static_cast<T>(std::log(s));
      for (i64 c = 0; c < cols; ++c) o[c] = xr[c] - m - ls;
    } else {
      T inv = static_cast<T>(1.0 / s);
      for (i64 c = 0; c < cols; ++c) o[c] = std::exp(xr[c] - m) * inv;
    }
  }
}

template <class T> inline T act_deriv(Act act, T y) {
  switch (act) {
    case Act::Relu: return y > 0 ? T(1) : T(0);
    case Act::Sigmoid: return y * (T(1) - y);
    case Act::Tanh: return T(1) - y * y;
    default: return T(1);
  }
}

template <class T>
void act_grad(Act act, const T* g, const T* y, i64 rows, i64 cols, T* gout, T* dbias) {
  if (dbias)
    for (i64 j = 0; j < cols; ++j) dbias[j] = 0;
  for (i64 i = 0; i < rows; ++i)
    for (i64 j = 0; j < cols; ++j) {
      i64 k = i * cols + j;
      T v = act == Act::Relu ? (y[k] > 0 ? g[k] : T(0)) : g[k] * act_deriv(act, y[k]);
      gout[k] = v;
      if (dbias) dbias[j] += v;
    }
}

template <class T> void fill(KernelSet<T>& s) {
#define TG_U(name) s.unary[int(Unary::name)] = unary<T, Unary::name>;
  TG_U(Neg) TG_U(Abs) TG_U(Sign) TG_U(Square) TG_U(Sqrt) TG_U(Exp) TG_U(Log) TG_U(Log1p) TG_U(Expm1) TG_U(Erf) TG_U(Erfc) TG_U(Sin) TG_U(Cos) TG_U(Tan) TG_U(Atan) TG_U(Tanh)
  TG_U(Sigmoid) TG_U(Relu)
#undef TG_U
#define TG_B(name) s.binary[int(Binary::name)] = binary<T, Binary::name>;
  TG_B(Add) TG_B(Sub) TG_B(Mul) TG_B(Div) TG_B(Max) TG_B(Min) TG_B(Pow) TG_B(ReluGrad) TG_B(LeakyRelu)
#undef TG_B
  s.ternary[int(Ternary::MaskGe)] = ternary<T, Ternary::MaskGe>;
  s.ternary[int(Ternary::MaskGt)] = ternary<T, Ternary::MaskGt>;
  s.axpy = axpy<T>;
  s.softmax = softmax<T>;
  s.act_grad = act_grad<T>;
}

}  // namespace

void register_elementwise(KernelTable& t) {
  fill(t.f32);
  fill(t.f64);
}

}  // namespace tapegrad::kernels::scalar
