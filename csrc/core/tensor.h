// Tensor: an immutable n-d array (shape, dtype, 64-byte aligned refcounted buffer).
//
// Note [Tensor ownership]
// A Tensor is a handle (Ref<TensorImpl>); TensorImpl holds a Ref<Storage>. Several TensorImpls
// may share one Storage (reshape, stop_gradient, Variable reads): storage is never written once
// a tensor is visible, except by Variable::assign* when the Variable's value is the storage's
// only owner (see Note [Variable copy-on-write] in variable.h). Refcounts are atomic: tensors
// cross threads.
#pragma once
#include <atomic>
#include <cstdint>
#include <limits>
#include <string>

#include "core/errors.h"
#include "core/small_vec.h"

namespace tapegrad {

using i64 = std::int64_t;
constexpr int kMaxDims = 8;
// The most elements a shape may hold, counting its non-zero dimensions only (as numpy does):
// byte sizes and byte strides then fit in int64 even when another dimension is 0.
constexpr i64 kMaxNumel = std::numeric_limits<i64>::max() / 8;

// Note [Dtypes]
// Float32 and Float64 are the differentiable dtypes: every kernel and every op with a gradient
// takes them only (dispatch_dtype refuses the others). Int32, Int64, UInt8 and Bool exist for
// what TF code computes alongside: comparisons (bool), argmax (int64), labels and indices
// (int), images (uint8), cast;
// the dtype-agnostic ops (reshape, transpose, slice, concat, pad, broadcast_to, identity) move
// their bytes, and integer add/subtract/multiply/max/min/negative/abs/square/sign and the
// sum/max/min reductions run as plain loops (ops/int_arith.cc), as do floordiv/floormod
// (ops/floordiv.cc); int / int is float64 (uint8 / uint8 float32) and the integer mean
// truncates, as TF's. UInt8 is one more integer dtype (is_integer, dispatch_int): its
// arithmetic wraps modulo 256 as TF's, and it also takes the few integer ops TF's CPU kernels
// refuse for it (negative, abs, sign, pow, matmul), wrapping as numpy. No tape watches a
// tensor of these dtypes, so no gradient flows into one.
// UInt8 is last so the codes of the first five (which Python's DType objects carry) stay put.
enum class DType : std::uint8_t { Float32 = 0, Float64 = 1, Int32 = 2, Int64 = 3, Bool = 4, UInt8 = 5 };
constexpr int kNumDTypes = 6;
inline std::size_t itemsize(DType d) {
  constexpr std::uint8_t s[kNumDTypes] = {4, 8, 4, 8, 1, 1};
  return s[static_cast<int>(d)];
}
inline const char* dtype_name(DType d) {
  constexpr const char* n[kNumDTypes] = {"float32", "float64", "int32", "int64", "bool", "uint8"};
  return n[static_cast<int>(d)];
}
// "a float32", "an int64": dtype_name with its article, for messages.
inline std::string a_dtype(DType d) {
  return std::string(d == DType::Int32 || d == DType::Int64 ? "an " : "a ") + dtype_name(d);
}
inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }
inline bool is_integer(DType d) { return d == DType::Int32 || d == DType::Int64 || d == DType::UInt8; }
// TypeError "<op>: expected a float32 or float64 tensor, got a <dtype> tensor" unless floating.
void require_floating(DType d, const char* op);
// A TypeError naming op for a bool tensor (ops taking any float or integer dtype).
void require_numeric(DType d, const char* op);

// Overflow-checked arithmetic on non-negative sizes (portable: MSVC has no __builtin_*_overflow).
// Return true, leaving *out alone, when the result does not fit in an i64.
inline bool size_add_overflows(i64 a, i64 b, i64* out) {
  if (a > INT64_MAX - b) return true;
  *out = a + b;
  return false;
}
inline bool size_mul_overflows(i64 a, i64 b, i64* out) {
  if (b != 0 && a > INT64_MAX / b) return true;
  *out = a * b;
  return false;
}

struct Shape {
  int ndim = 0;
  i64 d[kMaxDims] = {};

  Shape() = default;
  Shape(std::initializer_list<i64> dims);
  i64 operator[](int i) const { return d[i]; }
  i64& operator[](int i) { return d[i]; }
  i64 numel() const;  // product of dims (1 for a scalar)
  // numel() for a shape that comes from a user: ValueError (naming `op`, may be null) when a
  // dimension is negative or the element count would overflow, whatever the order of the dims.
  i64 checked_numel(const char* op) const;
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;  // "(2, 3)", "()", "(5,)"
  void push_back(i64 v);
};

// Intrusive reference-counted pointer.
template <class T>
class Ref {
 public:
  Ref() = default;
  explicit Ref(T* p) : p_(p) { if (p_) p_->incref(); }  // takes a new reference
  Ref(const Ref& o) : p_(o.p_) { if (p_) p_->incref(); }
  Ref(Ref&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  Ref& operator=(const Ref& o) { Ref(o).swap(*this); return *this; }
  Ref& operator=(Ref&& o) noexcept { Ref(std::move(o)).swap(*this); return *this; }
  ~Ref() { if (p_) p_->decref(); }
  void swap(Ref& o) noexcept { T* t = p_; p_ = o.p_; o.p_ = t; }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() { Ref().swap(*this); }

 private:
  T* p_ = nullptr;
};

// One aligned block: this header (64 bytes) then the data.
class Storage {
 public:
  static Storage* allocate(std::size_t nbytes);  // throws std::bad_alloc (→ MemoryError)
  void* data() { return reinterpret_cast<char*>(this) + 64; }
  std::size_t nbytes() const { return nbytes_; }
  void incref() { rc_.fetch_add(1, std::memory_order_relaxed); }
  void decref();
  int refcount() const { return rc_.load(std::memory_order_acquire); }

 private:
  Storage() = default;
  std::atomic<int> rc_{0};
  std::size_t nbytes_ = 0;
};

// A tape watching a tensor and the tensor's gradient slot on that tape (autograd/tape.h).
struct Watch {
  std::uint64_t tape;
  std::int32_t slot;
};

template <class V>
void erase_watch(V& watches, std::uint64_t tape) {
  int j = 0;
  for (int i = 0; i < watches.size(); ++i)
    if (watches[i].tape != tape) watches[j++] = watches[i];
  watches.resize(j);
}

class TensorImpl {
 public:
  TensorImpl(DType dtype, const Shape& shape, Ref<Storage> storage);
  // A view: `data` points into `storage` (which the view keeps alive).
  TensorImpl(DType dtype, const Shape& shape, Ref<Storage> storage, void* data);
  // From core/pool.h: every op result allocates one TensorImpl and one Storage.
  static void* operator new(std::size_t bytes);
  static void operator delete(void* p, std::size_t bytes);
  void incref() { rc_.fetch_add(1, std::memory_order_relaxed); }
  void decref() { if (rc_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this; }
  int refcount() const { return rc_.load(std::memory_order_acquire); }

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return shape_.ndim; }
  i64 numel() const { return numel_; }
  void* data() const { return data_; }
  Storage* storage() const { return storage_.get(); }
  const Ref<Storage>& storage_ref() const { return storage_; }

  // Gradient slot of this tensor on tape `tape`, or -1 if that tape does not watch it.
  std::int32_t slot_on(std::uint64_t tape) const {
    for (const Watch& w : watches_) if (w.tape == tape) return w.slot;
    return -1;
  }
  void add_watch(std::uint64_t tape, std::int32_t slot) { watches_.push_back(Watch{tape, slot}); }
  void remove_watch(std::uint64_t tape) { erase_watch(watches_, tape); }
  bool watched() const { return !watches_.empty(); }
  int num_watches() const { return watches_.size(); }

 private:
  std::atomic<int> rc_{0};
  DType dtype_;
  Shape shape_;
  i64 numel_;
  Ref<Storage> storage_;
  void* data_;
  SmallVec<Watch, 2> watches_;
};

// The handle everything passes around. Empty (null) handles mean "no tensor" (e.g. no gradient).
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(TensorImpl* impl) : impl_(impl) {}
  explicit Tensor(Ref<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new uninitialised tensor (checks the element count for overflow: ValueError; a failed
  // allocation is OutOfMemory). `op` (may be null) names the caller in both messages.
  static Tensor empty(DType dtype, const Shape& shape, const char* op = nullptr);
  static Tensor full(DType dtype, const Shape& shape, double value, const char* op = nullptr);
  static Tensor scalar(DType dtype, double value) { return full(dtype, Shape(), value); }
  // A new tensor sharing this one's storage with another shape (same numel) and no watches.
  Tensor alias(const Shape& shape) const;
  // Rows [begin, end) of this tensor (along axis 0; 0 <= begin <= end <= shape[0]) as a new
  // tensor sharing its storage, with no watches. Tensors are immutable, so fit's batches can
  // be views of one gathered epoch (a Variable's copy-on-write sees the shared storage).
  Tensor rows(i64 begin, i64 end) const;

  bool defined() const { return static_cast<bool>(impl_); }
  void reset() { impl_.reset(); }
  explicit operator bool() const { return defined(); }
  TensorImpl* impl() const { return impl_.get(); }
  const Ref<TensorImpl>& ref() const { return impl_; }
  DType dtype() const { return impl_->dtype(); }
  const Shape& shape() const { return impl_->shape(); }
  int ndim() const { return impl_->ndim(); }
  i64 numel() const { return impl_->numel(); }
  template <class T> T* data() const { return static_cast<T*>(impl_->data()); }
  void* raw() const { return impl_->data(); }
  bool same(const Tensor& o) const { return impl_.get() == o.impl_.get(); }
  double item() const;  // the value of a one-element tensor as double

 private:
  Ref<TensorImpl> impl_;
};

// Calls f(T{}) with T = float or double according to dtype; any other dtype is a TypeError
// (`op`, may be null, names the caller), so no float kernel ever reads integer bytes.
template <class F>
decltype(auto) dispatch_dtype(DType dt, F&& f, const char* op = nullptr) {
  if (dt == DType::Float32) return f(float{});
  if (dt != DType::Float64) require_floating(dt, op);
  return f(double{});
}

// Calls f(T{}) for every dtype: float, double, std::int32_t, std::int64_t, bool, std::uint8_t.
template <class F>
decltype(auto) dispatch_all(DType dt, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int32: return f(std::int32_t{});
    case DType::Int64: return f(std::int64_t{});
    case DType::UInt8: return f(std::uint8_t{});
    default: return f(bool{});
  }
}

// Calls f(T{}) with T = std::int32_t for Int32, std::uint8_t for UInt8, else std::int64_t
// (callers check is_integer).
template <class F>
decltype(auto) dispatch_int(DType dt, F&& f) {
  if (dt == DType::Int32) return f(std::int32_t{});
  if (dt == DType::UInt8) return f(std::uint8_t{});
  return f(std::int64_t{});
}

}  // namespace tapegrad
