// The per-ISA kernel table: raw loops on pointers. No Tensor, no tape, no Python.
//
// Every ISA folder (scalar/, avx2/, avx512/) registers the kernels it implements into a
// KernelTable; dispatch.cc starts from the scalar table and lets the chosen ISA override
// entries, so an ISA may implement only what pays off. All pointers are to contiguous
// memory unless a stride says otherwise; output buffers never alias inputs unless stated.
//
// Note [ISA namespaces]
// Code compiled with -mavx2/-mavx512f must not emit inline functions or template
// instantiations that the linker could merge with the scalar build's copies (a scalar CPU
// would then run AVX-512 code). So every ISA folder puts ALL its code, including the
// instantiations of shared templates, inside its own namespace (kernels::scalar,
// kernels::avx2, kernels::avx512) or an anonymous namespace, and uses no std:: containers.
#pragma once
#include <cstdint>

namespace tapegrad::kernels {

using i64 = std::int64_t;

enum class Unary : int {
  Neg, Abs, Sign, Square, Sqrt, Exp, Log, Tanh, Sigmoid, Relu, Log1p, Erf, Erfc, Sin, Cos, Tan, Atan,
  Expm1, kCount
};

// Elementwise binary ops out = f(a, b). ReluGrad(g, x) = x > 0 ? g : 0.
// LeakyRelu(x, alpha) = x > 0 ? x : alpha * x (NaN stays NaN).
enum class Binary : int {
  Add, Sub, Mul, Div, Max, Min, Pow, ReluGrad, LeakyRelu,
  kCount
};

// Ternary masks used by the gradients of maximum/minimum/reduce_max/reduce_min:
// MaskGe(g, a, b) = a >= b ? g : 0,   MaskGt(g, a, b) = a > b ? g : 0.
enum class Ternary : int { MaskGe, MaskGt, kCount };

enum class Reduce : int { Sum, Max, Min, Prod, kCount };

// Activation applied in a GEMM epilogue (nn.linear).
enum class Act : int { None, Relu, Sigmoid, Tanh };

// C[b] = act(op(A[b]) @ op(B[b]) + bias)  (or C += ... when accumulate)
//   op(A) is m x k: A is stored m x k (row-major, leading dim lda) or, if trans_a, k x m.
//   op(B) is k x n: B is stored k x n (ldb) or, if trans_b, n x k.
//   C is m x n with leading dim ldc. bias is length n or null. batch >= 1; the stride_* are
//   element offsets between consecutive batch items (0 broadcasts that operand).
//   accumulate with act != None is not allowed (caller's contract).
template <class T>
struct GemmArgs {
  i64 m, n, k;
  const T* a; i64 lda; bool trans_a;
  const T* b; i64 ldb; bool trans_b;
  T* c; i64 ldc;
  const T* bias;
  Act act;
  bool accumulate;
  i64 batch, stride_a, stride_b, stride_c;
};

template <class T>
struct KernelSet {
  // out[i] = f(x[i]), i < n. out may equal x (in place).
  using UnaryFn = void (*)(i64 n, const T* x, T* out);
  // out[i] = f(a[i*sa], b[i*sb]); sa, sb are 0 (broadcast) or 1. out may equal a or b.
  using BinaryFn = void (*)(i64 n, const T* a, i64 sa, const T* b, i64 sb, T* out);
  using TernaryFn = void (*)(i64 n, const T* g, i64 sg, const T* a, i64 sa, const T* b, i64 sb,
                             T* out);
  // x viewed as [outer, r, inner]; out[o, i] = reduce over j of x[o, j, i]. r >= 1.
  // Sums must stay accurate for long r (pairwise/blocked, not one running float).
  using ReduceFn = void (*)(const T* x, i64 outer, i64 r, i64 inner, T* out);
  // x viewed as [outer, r, inner]; out[o, j, i] = x[o, 0, i] + ... + x[o, j, i], a running sum
  // (cumprod: product) in T along j (exclusive: without x[o, j, i]; reverse: from j = r - 1
  // down). Note [Scans].
  using ScanFn = void (*)(const T* x, i64 outer, i64 r, i64 inner, T* out, bool exclusive,
                          bool reverse);
  // Row-wise (last axis) softmax or log-softmax of x[rows, cols] into out.
  using SoftmaxFn = void (*)(const T* x, i64 rows, i64 cols, T* out, bool log);
  // y[i] += alpha * x[i]  (SGD: alpha = -lr). y must not alias x.
  using AxpyFn = void (*)(i64 n, T alpha, const T* x, T* y);
  // Bias/activation backward of nn.linear in one pass over g[rows, cols] and y = result:
  //   gout = g * act'(y)   (act given by its output y), and, if dbias != null,
  //   dbias[j] = sum_i gout[i, j]. gout may equal g.
  using ActGradFn = void (*)(Act act, const T* g, const T* y, i64 rows, i64 cols, T* gout,
                             T* dbias);
  using GemmFn = void (*)(const GemmArgs<T>& args);

  UnaryFn unary[static_cast<int>(Unary::kCount)];
  BinaryFn binary[static_cast<int>(Binary::kCount)];
  TernaryFn ternary[static_cast<int>(Ternary::kCount)];
  ReduceFn reduce[static_cast<int>(Reduce::kCount)];
  ScanFn cumsum, cumprod;
  SoftmaxFn softmax;
  AxpyFn axpy;
  ActGradFn act_grad;
  GemmFn gemm;
};

struct KernelTable {
  const char* isa;  // "scalar", "avx2" or "avx512"
  KernelSet<float> f32;
  KernelSet<double> f64;
};

// Each ISA folder defines its register function (avx2/avx512 only override what they have).
// One line of a cumsum (kProd: cumprod): out[j * stride] = x[0] + ... + x[j * stride] over r
// elements, a running sum (product) in Acc in the order of j (exclusive: without x[j * stride];
// reverse: from j = r - 1 down). Acc is T for floats (Note [Scans]) and the unsigned type for
// integers, which wrap as TF's.
template <bool kProd, class T, class Acc = T>
inline void scan_line(const T* x, i64 r, i64 stride, T* out, bool exclusive, bool reverse) {
  const i64 step = reverse ? -stride : stride;
  i64 at = reverse ? (r - 1) * stride : 0;
  Acc acc = kProd ? Acc(1) : Acc(0);
  for (i64 j = 0; j < r; ++j, at += step) {
    const Acc v = static_cast<Acc>(x[at]);
    if (!exclusive) acc = kProd ? Acc(acc * v) : Acc(acc + v);
    out[at] = static_cast<T>(acc);
    if (exclusive) acc = kProd ? Acc(acc * v) : Acc(acc + v);
  }
}

namespace scalar { void register_kernels(KernelTable& t); }
namespace avx2 { void register_kernels(KernelTable& t); }
namespace avx512 { void register_kernels(KernelTable& t); }

// The active table, chosen once (CPUID, or TAPEGRAD_ISA=scalar|avx2|avx512).
const KernelTable& table();
template <class T> inline const KernelSet<T>& set();
template <> inline const KernelSet<float>& set<float>() { return table().f32; }
template <> inline const KernelSet<double>& set<double>() { return table().f64; }

// Which ISAs this CPU (and OS) can run, and the name of the one in use.
bool cpu_supports(const char* isa);
const char* active_isa();
// Re-selects the table (for tests that compare ISAs in one process). Throws
// std::invalid_argument for an unknown name and std::runtime_error for an ISA the CPU lacks.
void select_isa(const char* isa);
// The table of one ISA without making it active (kernel tests compare ISAs side by side).
// Same errors as select_isa.
const KernelTable& table_for_isa(const char* isa);

}  // namespace tapegrad::kernels
