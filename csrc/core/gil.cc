// Storage for the GIL hooks (installed by the bindings).
#include "core/gil.h"

namespace tapegrad {
GilHooks& gil_hooks() {
  static GilHooks hooks;
  return hooks;
}
}  // namespace tapegrad
