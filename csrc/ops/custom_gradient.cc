// outputs = f(inputs) with a user-given vjp (tapegrad.custom_gradient): the entry's vjp
// delegates to the CustomVjp stored in attrs.extra (the bindings wrap the Python grad_fn).
#include "ops/custom_gradient.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool* needs) {
  static_cast<CustomVjp*>(e.attrs.extra.get())->call(e, g, gin, needs);
}
}  // namespace
const OpDef op_custom_gradient{"custom_gradient", vjp};

void record_custom_gradient(const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs,
                            std::shared_ptr<CustomVjp> fn) {
  if (!TapeStack::active() || !any_input_watched(inputs.data(), static_cast<int>(inputs.size())))
    return;
  Attrs at;
  at.extra = std::move(fn);
  record(op_custom_gradient, inputs.data(), static_cast<int>(inputs.size()), outputs.data(),
         static_cast<int>(outputs.size()), {}, std::move(at));
}
}  // namespace tapegrad::ops
