// Picks the kernel table once: the best ISA the CPU supports, or TAPEGRAD_ISA if set.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/kernels.h"

namespace tapegrad::kernels {
namespace {

bool has_avx2() {
// Only when the AVX kernels are built (GCC/Clang on x86; CMakeLists.txt): MSVC has no
// __builtin_cpu_supports, and clang-cl would need compiler-rt for it.
#if defined(TAPEGRAD_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

bool has_avx512() {
#if defined(TAPEGRAD_EMULATE_AVX512)
  return has_avx2();  // Note [Emulated AVX-512]: a test build runs them on AVX2 (slowly)
#elif defined(TAPEGRAD_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

KernelTable build(const char* isa) {
  KernelTable t{};
  scalar::register_kernels(t);
  t.isa = "scalar";
#if defined(TAPEGRAD_HAVE_X86_KERNELS)
  if (std::strcmp(isa, "avx2") == 0 || std::strcmp(isa, "avx512") == 0) {
    avx2::register_kernels(t);
    t.isa = "avx2";
  }
  if (std::strcmp(isa, "avx512") == 0) {
    avx512::register_kernels(t);
    t.isa = "avx512";
  }
#endif
  return t;
}

std::atomic<const KernelTable*> g_active{nullptr};
std::mutex g_mu;

const KernelTable* table_for(const char* isa) {
  static const KernelTable scalar_t = build("scalar");
  if (std::strcmp(isa, "scalar") == 0) return &scalar_t;
  static const KernelTable avx2_t = build("avx2");
  if (std::strcmp(isa, "avx2") == 0) return &avx2_t;
  static const KernelTable avx512_t = build("avx512");
  return &avx512_t;
}

const char* best_isa() {
  if (has_avx512()) return "avx512";
  if (has_avx2()) return "avx2";
  return "scalar";
}

// `from` names where the request came from: "TAPEGRAD_ISA" or "set_isa".
void check_isa(const char* isa, const char* from) {
  if (std::strcmp(isa, "scalar") != 0 && std::strcmp(isa, "avx2") != 0 &&
      std::strcmp(isa, "avx512") != 0)
    throw std::invalid_argument(std::string(from) + ": unknown ISA '" + isa +
                                "'; expected one of scalar, avx2, avx512");
  if (!cpu_supports(isa))
    throw std::runtime_error(std::string(from) + ": ISA '" + isa +
                             "': this CPU (or this build) does not support it; supported: " +
                             (cpu_supports("avx512") ? "scalar, avx2, avx512"
                              : cpu_supports("avx2") ? "scalar, avx2"
                                                     : "scalar"));
}

}  // namespace

bool cpu_supports(const char* isa) {
  if (std::strcmp(isa, "scalar") == 0) return true;
#if defined(TAPEGRAD_HAVE_X86_KERNELS)
  if (std::strcmp(isa, "avx2") == 0) return has_avx2();
  if (std::strcmp(isa, "avx512") == 0) return has_avx512();
#endif
  return false;
}

void select_isa(const char* isa) {
  check_isa(isa, "set_isa");
  std::lock_guard<std::mutex> lk(g_mu);
  g_active.store(table_for(isa), std::memory_order_release);
}

const KernelTable& table() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t) return *t;
  std::lock_guard<std::mutex> lk(g_mu);
  t = g_active.load(std::memory_order_relaxed);
  if (!t) {
    const char* env = std::getenv("TAPEGRAD_ISA");
    const char* isa = (env && *env) ? env : nullptr;
    if (isa) {
      check_isa(isa, "TAPEGRAD_ISA");  // a bad TAPEGRAD_ISA is an error at import, not a silent fallback
    } else {
#if defined(TAPEGRAD_HAVE_X86_KERNELS)
      isa = best_isa();
#else
      isa = "scalar";
#endif
    }
    t = table_for(isa);
    g_active.store(t, std::memory_order_release);
  }
  return *t;
}

const KernelTable& table_for_isa(const char* isa) {
  check_isa(isa, "isa");
  return *table_for(isa);
}

const char* active_isa() { return table().isa; }

}  // namespace tapegrad::kernels
