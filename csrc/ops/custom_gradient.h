// The hook behind tapegrad.custom_gradient (see custom_gradient.cc).
#pragma once
#include <memory>
#include <vector>

#include "ops/ops.h"

namespace tapegrad::ops {

class CustomVjp {
 public:
  virtual ~CustomVjp() = default;
  // Same contract as VjpFn; grads_out has one slot per output (empty: no gradient reached it).
  virtual void call(const TapeEntry& e, const Tensor* grads_out, Tensor* grads_in,
                    const bool* needs) = 0;
  // Calls visit(object, arg) for each foreign (Python) object this vjp owns, stopping at the
  // first nonzero result, so a garbage collector can see cycles through a tape (Note [Tape
  // and the garbage collector] in bindings/tape.cc).
  using Visit = int (*)(void* object, void* arg);
  virtual int traverse(Visit, void*) const { return 0; }
};

extern const OpDef op_custom_gradient;

// Records `outputs` as computed from `inputs` by one op whose vjp is `fn`.
void record_custom_gradient(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                            std::shared_ptr<CustomVjp> fn);

}  // namespace tapegrad::ops
