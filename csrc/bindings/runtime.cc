// Bindings for the runtime switches: ISA selection and the thread pool.
#include <pybind11/pybind11.h>

#include <atomic>
#include <new>

#include "core/pool.h"
#include "kernels/kernels.h"
#include "kernels/threadpool.h"

namespace py = pybind11;

void bind_runtime(py::module_& m) {
  m.def("isa", [] { return std::string(tapegrad::kernels::active_isa()); },
        "Name of the kernel ISA in use: 'scalar', 'avx2' or 'avx512'.");
  m.def("set_isa", [](const std::string& isa) { tapegrad::kernels::select_isa(isa.c_str()); },
        "Switch the kernel ISA for this process (ValueError if unknown, RuntimeError if the CPU lacks it).");
  m.def("cpu_supports", [](const std::string& isa) { return tapegrad::kernels::cpu_supports(isa.c_str()); },
        "Whether this CPU and this build can run the kernel ISA 'scalar', 'avx2' or 'avx512'.");
  m.def("set_num_threads", [](int n) {
    if (n < 1 || n > tapegrad::kMaxThreads)
      throw py::value_error("set_num_threads: n must be between 1 and " +
                            std::to_string(tapegrad::kMaxThreads) + ", got " + std::to_string(n));
    tapegrad::set_num_threads(n);
  }, py::arg("n"), "Set the number of threads the kernels may use.");
  m.def("get_num_threads", &tapegrad::num_threads, "Number of threads the kernels may use.");
  m.def("_pool_wake_stats", [] {
    long wakes = 0, on_caller = 0;
    tapegrad::pool_wake_stats(wakes, on_caller);
    return py::make_tuple(wakes, on_caller);
  }, "(workers woken from sleep, of which on the waking thread's CPU) since the process started.");
  m.def("_pool_fail_chunk", [](long long n, long long fail_at) {
    // Runs a parallel_for over [0, n) whose chunk holding index fail_at throws bad_alloc:
    // the tests' way to check that a chunk's exception reaches the caller from any thread.
    py::gil_scoped_release release;
    std::atomic<long long> ran{0};
    tapegrad::parallel_for(n, tapegrad::num_threads(), [&](std::int64_t b, std::int64_t e) {
      ran += e - b;
      if (b <= fail_at && fail_at < e) throw std::bad_alloc();
    });
    return ran.load();
  }, "Test hook: a parallel_for over n items whose chunk holding fail_at throws bad_alloc.");
  m.def("_set_cache_limit", [](long long bytes) {
    if (bytes < 0) throw py::value_error("set_cache_limit: bytes must be >= 0, got " + std::to_string(bytes));
    tapegrad::big_cache_set_limit(static_cast<std::size_t>(bytes));
  });
  m.def("_cache_limit", &tapegrad::big_cache_limit);
  m.def("_cache_bytes", &tapegrad::big_cache_bytes);
  m.def("_empty_cache", &tapegrad::big_cache_clear);
}
