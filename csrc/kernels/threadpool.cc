// The persistent worker pool behind parallel_for (see threadpool.h).
#include "kernels/threadpool.h"

#include "core/env.h"

#if defined(__linux__)
#include <sched.h>  // sched_getaffinity: the CPUs this process may run on (cgroups, taskset)
#endif
#if !defined(_WIN32)
#include <pthread.h>  // pthread_atfork (no fork on Windows)
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>  // _mm_pause in the workers' spin-wait
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tapegrad {
namespace {

// True on pool workers, and on a caller while it runs its share of a job: a parallel_for
// nested inside a chunk then runs inline instead of waiting for the busy pool (deadlock).
thread_local bool tls_in_parallel = false;

// Note [Pool generations]
// A job is published by bumping `generation_` under the mutex; workers wake, take chunk
// indices from an atomic counter, and the caller waits until `remaining_` hits zero. The
// counter word carries the job's chunk count in its high half (`next_` = chunks << 32 | index),
// so a worker still leaving the previous job that increments the new counter either gets a
// real chunk of the new job or sees it exhausted: it never pairs an index with another job's
// chunk count, and reads the job's fields only while it holds an unfinished chunk. Only one
// job runs at a time (the caller holds `g_pool_mu`, which also keeps set_num_threads from
// replacing the pool under a running job); a second Python thread calling a big kernel waits
// for the first rather than oversubscribing two cores.
// Worker threads a pool starts at most: set_num_threads(10**6) must not start a million
// threads. Jobs are still cut into num_threads() chunks (so results depend on the thread count
// asked for, never on how many workers exist); the workers and the caller share them out.
constexpr int kMaxWorkers = 255;

// Note [Worker spin-wait]
// A worker that finishes a job polls for the next one for kSpinMicros before it sleeps on
// the condition variable. Kernels come back to back (a GEMM, its bias, the next layer), and
// waking a sleeping thread costs a futex call plus, on an idle core (or a VM's idle vCPU),
// tens of microseconds before it runs: with a blocking wait, two-thread GEMMs of a few
// milliseconds ran at one thread's speed. OpenBLAS spins about 2**28 cycles and OpenMP
// runtimes a similar while; 200 us keeps our workers hot between the kernels of one training
// step while giving the core back soon after the last one. The publisher only makes the
// futex call when a worker is actually asleep.
constexpr int kSpinMicros = 200;

// Note [Exceptions in chunks]
// A chunk may throw (std::bad_alloc from a kernel's scratch buffer, say). The thread that
// ran it, worker or caller, catches it and the job still finishes every chunk: the caller
// must not return while workers hold pointers into its frame. Then the caller rethrows the
// first one, which pybind11 turns into a Python exception (MemoryError for bad_alloc). An
// exception escaping a worker's thread function would std::terminate the process instead.

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

std::atomic<long> g_wakes{0}, g_on_caller_cpu{0};  // pool_wake_stats()

class Pool {
 public:
  explicit Pool(int workers) : requested_(workers) {
    try {
      for (int i = 0; i < std::min(workers, kMaxWorkers); ++i)
        threads_.emplace_back([this] { worker(); });
    } catch (...) {
      // The system refuses more threads (limits, memory): run with the workers we have.
      // (Unwinding here instead destroyed the condition variables the running workers wait
      // on: the caller hung in pthread_cond_destroy.)
    }
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  int requested() const { return requested_; }

  // Callers serialise jobs (parallel_for_impl holds g_pool_mu for the whole job).
  void run(std::int64_t n, std::int64_t chunks, detail::ChunkFn fn, void* ctx) {
    bool wake;
    {
      std::lock_guard<std::mutex> lk(mu_);
      fn_ = fn; ctx_ = ctx; n_ = n;
      remaining_.store(chunks, std::memory_order_relaxed);
      // Release: a worker that takes a chunk index of this job also sees fn_, ctx_, n_.
      next_.store(std::uint64_t(chunks) << 32, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_release);
      wake = sleeping_ > 0;
      if (wake) caller_cpu_.store(current_cpu(), std::memory_order_relaxed);
    }
    if (wake) cv_.notify_all();
    tls_in_parallel = true;
    work();
    tls_in_parallel = false;
    // Spin briefly (chunks are usually balanced), then block.
    for (int spin = 0; remaining_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin > 2000) {
        std::unique_lock<std::mutex> lk(mu_);
        done_cv_.wait(lk, [&] { return remaining_.load(std::memory_order_acquire) == 0; });
        break;
      }
      std::this_thread::yield();
    }
    // Note [Exceptions in chunks]
    if (failed_.load(std::memory_order_acquire)) {
      std::exception_ptr err;
      {
        std::lock_guard<std::mutex> lk(mu_);
        err = std::move(error_);
        error_ = nullptr;
        failed_.store(false, std::memory_order_relaxed);
      }
      std::rethrow_exception(err);
    }
  }

 private:
  void work() {
    for (;;) {
      const std::uint64_t word = next_.fetch_add(1, std::memory_order_acq_rel);
      const std::int64_t c = std::int64_t(word & 0xffffffffu), chunks = std::int64_t(word >> 32);
      if (c >= chunks) return;
      std::int64_t b = n_ * c / chunks, e = n_ * (c + 1) / chunks;
      if (b < e) {
        try {
          fn_(ctx_, b, e);
        } catch (...) {
          std::lock_guard<std::mutex> lk(mu_);
          if (!error_) error_ = std::current_exception();  // the first one is rethrown
          failed_.store(true, std::memory_order_release);
        }
      }
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_all();
      }
    }
  }
  void worker() {
    tls_in_parallel = true;
    std::uint64_t seen = 0;
    for (;;) {
      if (!spin_for_job(seen)) {
        std::unique_lock<std::mutex> lk(mu_);
        ++sleeping_;
        cv_.wait(lk, [&] {
          return stop_.load(std::memory_order_relaxed) ||
                 generation_.load(std::memory_order_relaxed) != seen;
        });
        --sleeping_;
        lk.unlock();
        leave_caller_cpu();
      }
      if (stop_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      work();
    }
  }
  // Polls for a job newer than `seen` (or stop) for kSpinMicros (Note [Worker spin-wait]).
  bool spin_for_job(std::uint64_t seen) {
    using Clock = std::chrono::steady_clock;
    const auto until = Clock::now() + std::chrono::microseconds(kSpinMicros);
    for (int i = 1;; ++i) {
      if (generation_.load(std::memory_order_acquire) != seen ||
          stop_.load(std::memory_order_acquire))
        return true;
      cpu_relax();
      if ((i & 63) == 0 && Clock::now() >= until) return false;
    }
  }

  // Note [Waking onto the caller's CPU]
  // A worker woken after a long sleep may be queued on the CPU of the thread that woke it
  // although another CPU of the process is idle: on a VM the guest kernel treats an idle
  // vCPU that the hypervisor has descheduled as unavailable. Both threads then share one CPU
  // until the load balancer moves one (milliseconds). Measured here: 113 of 174 wakes after
  // 5-100 ms of idle landed on the caller's CPU, and a 512^3 float32 GEMM on 2 threads ran
  // at 63-80 GFLOP/s on the three calls after such an idle, below one thread's 80-90. A
  // worker that finds itself there steps off that CPU by excluding it from its affinity mask
  // for one call (the kernel migrates it at once) and then restores the mask; the caller
  // meanwhile takes whatever chunks are still free. The second and third calls then ran at
  // 88-139 GFLOP/s, and two gemm_report --threads 2 runs each way gave geomean 1.07-1.12
  // (min 0.88-0.91) against 0.98-1.01 (min 0.59-0.71). TAPEGRAD_POOL_NUDGE=0 turns it off.
  static int current_cpu() {
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
  }
  void leave_caller_cpu() {
#if defined(__linux__)
    static const bool on = env_switch_on("TAPEGRAD_POOL_NUDGE");
    const int cpu = current_cpu();
    g_wakes.fetch_add(1, std::memory_order_relaxed);
    if (cpu < 0 || cpu != caller_cpu_.load(std::memory_order_relaxed)) return;
    g_on_caller_cpu.fetch_add(1, std::memory_order_relaxed);
    if (!on) return;
    cpu_set_t mask, others;
    if (sched_getaffinity(0, sizeof(mask), &mask) != 0 || !CPU_ISSET(cpu, &mask) || CPU_COUNT(&mask) < 2)
      return;
    others = mask;
    CPU_CLR(cpu, &others);
    if (sched_setaffinity(0, sizeof(others), &others) == 0) sched_setaffinity(0, sizeof(mask), &mask);
#endif
  }

  std::atomic<int> caller_cpu_{-1};  // CPU of the thread that last woke sleeping workers
  int requested_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> generation_{0};
  int sleeping_ = 0;  // workers blocked on cv_ (guarded by mu_)
  detail::ChunkFn fn_ = nullptr;
  void* ctx_ = nullptr;
  std::int64_t n_ = 0;
  std::atomic<std::uint64_t> next_{0};  // chunks << 32 | next chunk index (Note [Pool generations])
  std::atomic<std::int64_t> remaining_{0};
  std::exception_ptr error_;  // the first exception a chunk of this job threw (guarded by mu_)
  std::atomic<bool> failed_{false};  // error_ is set: the caller only takes mu_ then
};

std::atomic<int> g_threads{0};
std::mutex g_pool_mu;
Pool* g_pool = nullptr;  // leaked at exit on purpose: joining threads during teardown can hang

int env_threads() {
  if (const char* s = std::getenv("TAPEGRAD_NUM_THREADS")) {
    int v = std::atoi(s);
    if (v >= 1) return std::min(v, kMaxThreads);
  }
  return default_num_threads();
}

void after_fork_child() {
  // The child has only the forking thread; the parent's workers do not exist here.
  // Forget the pool (its memory is lost, its threads are gone) and rebuild lazily.
  g_pool = nullptr;
  new (&g_pool_mu) std::mutex();
}

// Call with g_pool_mu held (it also guards the pool's lifetime: a pool is only replaced
// between jobs, never under a running one).
Pool* pool_for(int threads) {
#if !defined(_WIN32)
  static bool atfork = [] { return pthread_atfork(nullptr, nullptr, after_fork_child) == 0; }();
  (void)atfork;
#endif
  if (g_pool == nullptr || g_pool->requested() != threads - 1) {
    delete g_pool;
    g_pool = new Pool(threads - 1);
  }
  return g_pool;
}

}  // namespace

int default_num_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}

int num_threads() {
  int t = g_threads.load(std::memory_order_relaxed);
  if (t == 0) {
    t = env_threads();
    g_threads.store(t, std::memory_order_relaxed);
  }
  return t;
}

void pool_wake_stats(long& wakes, long& on_caller_cpu) {
  wakes = g_wakes.load(std::memory_order_relaxed);
  on_caller_cpu = g_on_caller_cpu.load(std::memory_order_relaxed);
}

void set_num_threads(int n) {
  g_threads.store(std::min(std::max(1, n), kMaxThreads), std::memory_order_relaxed);
}

namespace detail {
void parallel_for_impl(std::int64_t n, std::int64_t chunks, ChunkFn fn, void* ctx) {
  int t = num_threads();
  chunks = std::min<std::int64_t>(std::min<std::int64_t>(chunks, std::int64_t(kMaxChunksPerThread) * t), n);
  if (t <= 1 || chunks <= 1 || tls_in_parallel) {
    fn(ctx, 0, n);
    return;
  }
  std::lock_guard<std::mutex> lk(g_pool_mu);
  pool_for(t)->run(n, chunks, fn, ctx);
}
}  // namespace detail

}  // namespace tapegrad
