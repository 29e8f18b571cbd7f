// Variable updates: assign/assign_add/assign_sub/axpy (Note [Variable copy-on-write]).
#include "core/variable.h"

#include <cstring>

#include "core/gil.h"
#include "kernels/kernels.h"

namespace tapegrad {

void VariableImpl::check_compatible(const Tensor& v, const char* op) const {
  if (v.dtype() != dtype())
    throw TypeError(std::string(op) + ": cannot assign a " + dtype_name(v.dtype()) +
                    " value to Variable '" + name_ + "' of dtype " + dtype_name(dtype()));
  if (v.shape() != shape())
    throw ValueError(std::string(op) + ": cannot assign a value of shape " + v.shape().str() +
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

void VariableImpl::assign_add(const Tensor& v) { axpy(1.0, v, "assign_add"); }
void VariableImpl::assign_sub(const Tensor& v) { axpy(-1.0, v, "assign_sub"); }

}  // namespace tapegrad
