// Environment switches that are on unless set to "0" (TAPEGRAD_MADVISE_HUGEPAGE,
// TAPEGRAD_POOL_NUDGE). Read once by each caller into a static.
#pragma once
#include <cstdlib>

namespace tapegrad {

inline bool env_switch_on(const char* name) {
  const char* e = std::getenv(name);
  return !(e && e[0] == '0' && e[1] == '\0');
}

}  // namespace tapegrad
