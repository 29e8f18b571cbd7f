// Releasing the Python GIL around long kernels without the core depending on Python:
// the bindings install the two hooks at import (bindings/module.cc).
#pragma once

namespace tapegrad {

struct GilHooks {
  void* (*release)() = nullptr;    // returns the saved thread state
  void (*acquire)(void*) = nullptr;
};
GilHooks& gil_hooks();

// Releases the GIL for its scope when `cond` holds (callers pass "this kernel is big").
class GilRelease {
 public:
  explicit GilRelease(bool cond) {
    if (cond && gil_hooks().release) state_ = gil_hooks().release();
  }
  ~GilRelease() {
    if (state_) gil_hooks().acquire(state_);
  }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  void* state_ = nullptr;
};

// Elements above which an elementwise kernel releases the GIL.
constexpr long long kGilReleaseElems = 1 << 15;

}  // namespace tapegrad
