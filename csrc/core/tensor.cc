// Tensor, Shape and Storage basics: allocation, shapes, printing.
#include "core/tensor.h"

#include "core/pool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace tapegrad {

Shape::Shape(std::initializer_list<i64> dims) {
  for (i64 v : dims) push_back(v);
}

void Shape::push_back(i64 v) {
  if (ndim >= kMaxDims)
    throw ValueError("tapegrad supports tensors of rank at most " + std::to_string(kMaxDims));
  d[ndim++] = v;
}

i64 Shape::numel() const {
  i64 n = 1;
  for (int i = 0; i < ndim; ++i) n *= d[i];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (ndim != o.ndim) return false;
  for (int i = 0; i < ndim; ++i)
    if (d[i] != o.d[i]) return false;
  return true;
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < ndim; ++i) {
    if (i) s += ", ";
    s += std::to_string(d[i]);
  }
  if (ndim == 1) s += ",";
  return s + ")";
}

Storage* Storage::allocate(std::size_t nbytes) {
  std::size_t total = 64 + ((nbytes + 63) & ~std::size_t(63));
  if (total < nbytes) throw std::bad_alloc();
  Storage* s = new (pool_alloc(total)) Storage();
  s->nbytes_ = nbytes;
  return s;
}

void Storage::decref() {
  if (rc_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::size_t total = 64 + ((nbytes_ + 63) & ~std::size_t(63));
    this->~Storage();
    pool_free(this, total);
  }
}

void* TensorImpl::operator new(std::size_t bytes) { return pool_alloc(bytes); }
void TensorImpl::operator delete(void* p, std::size_t bytes) { pool_free(p, bytes); }

TensorImpl::TensorImpl(DType dtype, const Shape& shape, Ref<Storage> storage)
    : dtype_(dtype), shape_(shape), numel_(shape.numel()), storage_(std::move(storage)) {
  data_ = storage_->data();
}

TensorImpl::TensorImpl(DType dtype, const Shape& shape, Ref<Storage> storage, void* data)
    : dtype_(dtype), shape_(shape), numel_(shape.numel()), storage_(std::move(storage)), data_(data) {}

namespace {
std::string op_prefix(const char* op) { return op ? std::string(op) + ": " : std::string(); }
}  // namespace

i64 Shape::checked_numel(const char* op) const {
  // Every element count must fit with room for 8-byte items (and their byte count) in an i64;
  // the product of the non-zero dims is checked so that the order of the dims does not matter.
  const i64 limit = kMaxNumel;
  i64 nonzero = 1;
  bool zero = false;
  for (int i = 0; i < ndim; ++i) {
    if (d[i] < 0)
      throw ValueError(op_prefix(op) + "dimension " + std::to_string(i) + " must be >= 0, got shape " + str());
    if (d[i] == 0) {
      zero = true;
      continue;
    }
    if (size_mul_overflows(nonzero, d[i], &nonzero) || nonzero > limit)
      throw ValueError(op_prefix(op) + "shape " + str() + " has too many elements for a tensor");
  }
  return zero ? 0 : nonzero;
}

Tensor Tensor::empty(DType dtype, const Shape& shape, const char* op) {
  i64 n = shape.checked_numel(op);
  std::size_t nbytes = static_cast<std::size_t>(n) * itemsize(dtype);
  Ref<Storage> st;
  try {
    st = Ref<Storage>(Storage::allocate(nbytes));
  } catch (const std::bad_alloc&) {
    char gib[32];
    std::snprintf(gib, sizeof gib, "%.1f", static_cast<double>(nbytes) / (1024.0 * 1024.0 * 1024.0));
    throw OutOfMemory(op_prefix(op) + "failed to allocate " + std::to_string(nbytes) + " bytes (" +
                      gib + " GiB) for a " + dtype_name(dtype) + " tensor of shape " + shape.str());
  }
  return Tensor(new TensorImpl(dtype, shape, std::move(st)));
}

Tensor Tensor::full(DType dtype, const Shape& shape, double value, const char* op) {
  Tensor t = empty(dtype, shape, op);
  const i64 n = t.numel();
  dispatch_all(dtype, [&](auto z) {
    using T = decltype(z);
    const T v = static_cast<T>(value);
    T* p = t.data<T>();
    for (i64 i = 0; i < n; ++i) p[i] = v;
  });
  return t;
}

void require_floating(DType d, const char* op) {
  if (is_floating(d)) return;
  throw TypeError(op_prefix(op) + "expected a float32 or float64 tensor, got " + a_dtype(d) +
                  " tensor (cast it with tapegrad.cast(x, tapegrad.float32))");
}

void require_numeric(DType d, const char* op) {
  if (d == DType::Bool) throw TypeError(op_prefix(op) + "expected a float or integer tensor, got a bool tensor");
}

Tensor Tensor::alias(const Shape& shape) const {
  return Tensor(new TensorImpl(dtype(), shape, impl_->storage_ref(), raw()));
}

Tensor Tensor::rows(i64 begin, i64 end) const {
  Shape s = shape();
  const i64 row = s.ndim ? numel() / std::max<i64>(s[0], 1) : 0;
  s[0] = end - begin;
  char* p = static_cast<char*>(raw()) + begin * row * static_cast<i64>(itemsize(dtype()));
  return Tensor(new TensorImpl(dtype(), s, impl_->storage_ref(), p));
}

double Tensor::item() const {
  return dispatch_all(dtype(), [&](auto z) {
    using T = decltype(z);
    return static_cast<double>(*data<T>());
  });
}

}  // namespace tapegrad
