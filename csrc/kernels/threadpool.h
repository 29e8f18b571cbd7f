// One persistent std::thread pool shared by all kernels (never OpenMP: see DESIGN.md).
//
// parallel_for(n, fn) splits [0, n) into at most num_threads() contiguous chunks and runs
// fn(begin, end) on them, the caller's thread taking the first chunk. Callers decide whether a
// job is big enough to split (pass n = 1 or call fn directly otherwise). Nested calls from a
// worker run inline. Safe across fork(): the child starts with a fresh, lazily created pool.
#pragma once
#include <cstdint>
#include <type_traits>

namespace tapegrad {

constexpr int kMaxThreads = 1024;  // set_num_threads refuses more (the env var is clamped)

int num_threads();           // threads a kernel may use (>= 1)
void set_num_threads(int n); // 1 <= n <= kMaxThreads; TAPEGRAD_NUM_THREADS sets the initial value
int default_num_threads();   // cores this process may run on (sched_getaffinity)
// Since the process started: workers woken from sleep, and how many of them woke on the
// CPU of the thread that woke them (Note [Waking onto the caller's CPU] in threadpool.cc).
void pool_wake_stats(long& wakes, long& on_caller_cpu);

namespace detail {
using ChunkFn = void (*)(void* ctx, std::int64_t begin, std::int64_t end);
void parallel_for_impl(std::int64_t n, std::int64_t chunks, ChunkFn fn, void* ctx);
}  // namespace detail

// Runs f(begin, end) over [0, n) in `chunks` parts (clamped to [1, kMaxChunksPerThread *
// num_threads()]; with one thread, or nested in a chunk, f(0, n) runs inline). Callers whose
// result must not depend on the split (reductions) pass at most num_threads(); maps pass
// several chunks per thread, so that a worker that wakes late takes fewer of them and the
// caller the rest (Note [Worker spin-wait]).
constexpr int kMaxChunksPerThread = 8;
template <class F>
void parallel_for(std::int64_t n, std::int64_t chunks, F&& f) {
  if (n <= 0) return;
  using Fn = std::remove_reference_t<F>;
  auto tramp = [](void* ctx, std::int64_t b, std::int64_t e) { (*static_cast<Fn*>(ctx))(b, e); };
  detail::parallel_for_impl(n, chunks, tramp, const_cast<void*>(static_cast<const void*>(&f)));
}

}  // namespace tapegrad
