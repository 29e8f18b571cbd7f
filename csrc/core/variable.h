// Variable: a named, mutable holder of a Tensor value, watched by tapes as a whole.
//
// Note [Variable copy-on-write]
// Tensors are immutable, yet an SGD step should update weights in place. assign* writes into
// the current buffer only when the Variable is the sole owner of its storage (no tape saved it,
// no user holds a read of it, no numpy view exports it); otherwise it writes a fresh buffer and
// the readers keep the old values. Either way every Tensor anyone holds stays unchanged.
//
// Note [Variable reads]
// An op reading a Variable under a tape that watches it gets an alias of the value carrying
// the Variable's gradient slot on that tape, so every read of one Variable accumulates into one
// gradient. With watch_accessed_variables=True (the default) the first read under a tape of a
// trainable Variable makes that tape watch it.
#pragma once
#include <string>

#include "core/tensor.h"

namespace tapegrad {

class VariableImpl {
 public:
  VariableImpl(Tensor value, bool trainable, std::string name)
      : value_(std::move(value)), trainable_(trainable), name_(std::move(name)) {}
  void incref() { rc_.fetch_add(1, std::memory_order_relaxed); }
  void decref() { if (rc_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this; }

  const Tensor& value() const { return value_; }
  bool trainable() const { return trainable_; }
  const std::string& name() const { return name_; }
  DType dtype() const { return value_.dtype(); }
  const Shape& shape() const { return value_.shape(); }

  // Reads the value for an op (registers tape watches: Note [Variable reads]).
  Tensor read();

  // In-place updates (Note [Variable copy-on-write]); `op` names the caller in errors.
  void assign(const Tensor& v);
  void assign_add(const Tensor& v);
  void assign_sub(const Tensor& v);
  // value += alpha * v (one pass): what an optimizer step uses.
  void axpy(double alpha, const Tensor& v, const char* op);
  void int_add(bool subtract, const Tensor& v, const char* op);

  // For in-place updaters (core/optimizer_updates.cc): raises like assign* does on a dtype or
  // shape mismatch, and returns a buffer of the value that may be written (copy-on-write).
  void check_compatible(const Tensor& v, const char* op) const;
  Tensor writable_value(bool copy_contents);

  std::int32_t slot_on(std::uint64_t tape) const {
    for (const Watch& w : watches_) if (w.tape == tape) return w.slot;
    return -1;
  }
  void add_watch(std::uint64_t tape, std::int32_t slot) { watches_.push_back(Watch{tape, slot}); }
  void remove_watch(std::uint64_t tape) { erase_watch(watches_, tape); }
  int num_watches() const { return watches_.size(); }

 private:
  std::atomic<int> rc_{0};
  Tensor value_;
  bool trainable_;
  std::string name_;
  SmallVec<Watch, 2> watches_;
};

using Variable = Ref<VariableImpl>;

}  // namespace tapegrad
