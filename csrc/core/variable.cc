// Variable updates: assign/assign_add/assign_sub/axpy (Note [Variable copy-on-write]).
#include "core/variable.h"

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/gil.h"
#include "kernels/kernels.h"

namespace tapegrad {

void VariableImpl::check_compatible(const Tensor& v, const char* op) const {
  if (v.dtype() != dtype())
    throw TypeError(std::string(op) + ": cannot assign a " + dtype_name(v.dtype()) +
                    " value to Variable '" + name_ + "' of dtype " + dtype_name(dtype()));
  if (v.shape() != shape())  // TF: InvalidArgumentError (ours is also a ValueError)
    throw InvalidArgument(std::string(op) + ": cannot assign a value of shape " + v.shape().str() +
                          " to Variable '" + name_ + "' of shape " + shape().str());
}

Tensor VariableImpl::writable_value(bool copy_contents) {
  // Exclusive: only value_ references the TensorImpl and only it references the storage.
  Storage* st = value_.impl()->storage();
  if (st->refcount() == 1 && value_.impl()->refcount() == 1 && !value_.impl()->watched())
    return value_;
  Tensor fresh = Tensor::empty(dtype(), shape());
  if (copy_contents) std::memcpy(fresh.raw(), value_.raw(), value_.numel() * itemsize(dtype()));
  value_ = fresh;
  return fresh;
}

void VariableImpl::assign(const Tensor& v) {
  check_compatible(v, "assign");
  Tensor dst = writable_value(false);
  if (!dst.same(v)) std::memcpy(dst.raw(), v.raw(), v.numel() * itemsize(dtype()));
}

void VariableImpl::axpy(double alpha, const Tensor& v, const char* op) {
  require_floating(dtype(), op);  // before anything is copied or written
  check_compatible(v, op);
  // v may share our storage (v = var.value()): then writing in place would read what we
  // write; writable_value sees the extra reference and copies first.
  Tensor dst = writable_value(true);
  GilRelease nogil(dst.numel() >= kGilReleaseElems);
  dispatch_dtype(dtype(), [&](auto t) {
    using T = decltype(t);
    kernels::set<T>().axpy(dst.numel(), static_cast<T>(alpha), v.data<T>(), dst.data<T>());
  });
}

// int32 / int64 variables (step counters): += or -= that wraps on overflow, as TF's.
void VariableImpl::int_add(bool subtract, const Tensor& v, const char* op) {
  check_compatible(v, op);
  Tensor dst = writable_value(true);
  auto run = [&](auto t) {
    using T = decltype(t);
    using U = std::make_unsigned_t<T>;
    const T* src = v.data<T>();
    T* out = dst.data<T>();
    const i64 n = dst.numel();
    for (i64 i = 0; i < n; ++i)
      out[i] = static_cast<T>(subtract ? U(out[i]) - U(src[i]) : U(out[i]) + U(src[i]));
  };
  dispatch_int(dtype(), run);
}

void VariableImpl::assign_add(const Tensor& v) {
  if (is_integer(dtype())) return int_add(false, v, "assign_add");
  axpy(1.0, v, "assign_add");
}
void VariableImpl::assign_sub(const Tensor& v) {
  if (is_integer(dtype())) return int_add(true, v, "assign_sub");
  axpy(-1.0, v, "assign_sub");
}

}  // namespace tapegrad
