// The C++ side of tapegrad.distributed: flat fusion buffers and the shared-memory allreduce.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <thread>

#include "bindings/common.h"
#include "core/errors.h"
#include "core/gil.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define TG_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TG_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define TG_CPU_RELAX() ((void)0)
#endif

namespace tapegrad::bind {
namespace {

DType flat_dtype(const py::array& flat, const char* op) {
  if (!(flat.flags() & py::array::c_style))
    throw ValueError(std::string(op) + ": the flat buffer must be C-contiguous");
  if (flat.dtype().is(py::dtype::of<float>())) return DType::Float32;
  if (flat.dtype().is(py::dtype::of<double>())) return DType::Float64;
  throw TypeError(std::string(op) + ": the flat buffer must be float32 or float64");
}

// y[i] = x[i] / divisor, rounded as numpy's division in T (an exact reciprocal when divisor
// is a power of two, where multiplying rounds exactly as dividing does).
template <class T>
void copy_divided(const T* x, T* y, std::size_t n, double divisor) {
  if (divisor == 1.0) {
    if (n) std::memcpy(y, x, n * sizeof(T));
    return;
  }
  int exp = 0;
  const bool pow2 = divisor > 0 && std::frexp(divisor, &exp) == 0.5 && exp > -120 && exp < 120;
  const T q = static_cast<T>(divisor);
  if (pow2) {
    const T r = T(1) / q;
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * r;
  } else {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] / q;
  }
}

// New tensors of `shapes` from consecutive parts of src (cap bytes), each divided by divisor.
std::vector<Tensor> unpack(DType d, const char* src, std::size_t cap,
                           const std::vector<Shape>& shapes, double divisor, const char* op) {
  std::vector<Tensor> out;
  out.reserve(shapes.size());
  std::size_t at = 0;
  for (const Shape& s : shapes) {
    Tensor t = Tensor::empty(d, s);
    std::size_t n = static_cast<std::size_t>(t.numel()), nb = n * itemsize(d);
    if (at + nb > cap) throw ValueError(std::string(op) + ": the shapes exceed the buffer");
    if (d == DType::Float32)
      copy_divided(reinterpret_cast<const float*>(src + at), t.data<float>(), n, divisor);
    else
      copy_divided(reinterpret_cast<const double*>(src + at), t.data<double>(), n, divisor);
    at += nb;
    out.push_back(std::move(t));
  }
  return out;
}

// Copies t's elements to dst; returns the bytes copied.
std::size_t copy_out(const Tensor& t, char* dst) {
  const std::size_t nb = static_cast<std::size_t>(t.numel()) * itemsize(t.dtype());
  if (nb) std::memcpy(dst, t.raw(), nb);
  return nb;
}

py::list to_list(const std::vector<Tensor>& ts) {
  py::list out;
  for (const Tensor& t : ts) out.append(wrap(t));
  return out;
}

// Note [Shared-memory allreduce]
// MPI_Allreduce of a 66 KB gradient buffer between two processes of one machine took 35-43 µs
// here (MPICH 5, ch4 shm), about 10x a memcpy of it, plus ~15 µs of Python packing and
// unpacking around it. When every rank of the job is on one machine, tapegrad.distributed
// instead reduces through an MPI-3 shared-memory window that MPI itself allocates
// (MPI_Win_allocate_shared on the node communicator, via mpi4py) and that this object maps:
//
//   [arrival counter: one uint64 on its own 64-byte line]
//   [info (parity 0, rank 0)] ... [info (parity 1, rank P-1)]   one 64-byte line each
//   [slot (parity 0, rank 0)] ... [slot (parity 0, rank P-1)] [slot (parity 1, rank 0)] ...
//
// One call (GIL released after the tensors are read): (1) write what this rank passes (bytes,
// tensor count, dtype, a hash of the shapes) to its info line and, if it fits, copy the
// tensors one after another into its slot; (2) barrier; (3) compare every rank's info with
// its own: all ranks see the same lines, so on a mismatch every rank raises the same
// InvalidArgumentError (the MPI path would fail in MPI or reduce garbage), and when the
// tensors are larger than the slot every rank returns None and the caller grows the window
// (collectively) and calls again; (4) reduce this rank's 1/P of the elements in rank order,
// s0 += s1, s0 += s2, ..., in place in slot 0, so every element is summed once, in the order
// MPI's reduction and numpy's sum(...) use, and all ranks read the very same bits; (5)
// barrier; (6) unpack slot 0 into new tensors, dividing by P for the mean. Successive calls
// alternate between the two parities (slots and info lines), so a rank may start call c+1
// while a slower one still reads call c; it cannot come back to parity c before every rank
// has reached the first barrier of c+1, i.e. finished with c. Hence two barriers per call.
// (A variant where every rank sums all slots itself into its outputs, one barrier and no
// write-back, measured slower here: 20 µs against 11 for 66 KB.)
//
class ShmAllreduce {
 public:
  ShmAllreduce(std::uintptr_t base, std::size_t bytes, int rank, int size, std::size_t slot)
      : base_(reinterpret_cast<char*>(base)), rank_(rank), size_(size), slot_(slot) {
    if (size < 1 || rank < 0 || rank >= size) throw ValueError("_ShmAllreduce: bad rank/size");
    if (slot % 64) throw ValueError("_ShmAllreduce: the slot size must be a multiple of 64");
    if (bytes < required(size, slot))
      throw ValueError("_ShmAllreduce: the window is smaller than required_bytes(size, slot)");
    if (reinterpret_cast<std::uintptr_t>(base_) % 64)
      throw ValueError("_ShmAllreduce: the window must be 64-byte aligned");
    static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
                  "the barrier needs an address-free 64-bit atomic");
  }

  // Counter line, then one 64-byte line per (parity, rank) saying what that rank passed.
  static std::size_t header(int size) { return 64 + 2 * static_cast<std::size_t>(size) * 64; }
  static std::size_t required(int size, std::size_t slot) {
    return header(size) + 2 * static_cast<std::size_t>(size) * slot;
  }
  std::size_t slot_bytes() const { return slot_; }
  std::size_t last_bytes() const { return last_bytes_; }

  // Rank 0 zeroes the counter before any rank uses the window (followed by an MPI barrier).
  void reset() { counter().store(0, std::memory_order_release); }

  // The reduction of `tensors` (a list of tensors of one dtype, TypeError otherwise, raised
  // before any communication). Collective. None when every rank's tensors are larger than
  // the slot (grow the window to last_bytes and call again); InvalidArgumentError when the
  // ranks passed different shapes or dtypes.
  py::object operator()(py::sequence tensors, double divisor) {
    Batch b;
    if (const char* why = collect(tensors, b)) throw TypeError(std::string("_ShmAllreduce: ") + why);
    return run(b, divisor);
  }

  // The same, but None before any communication where operator() would raise TypeError
  // (and for a non-list): the fast path of grouped_allreduce, which does the rest in Python.
  py::object reduce_if_fits(py::handle tensors, double divisor) {
    Batch b;
    if (!PyList_CheckExact(tensors.ptr()) || collect(py::reinterpret_borrow<py::sequence>(tensors), b))
      return py::none();
    return run(b, divisor);
  }

 private:
  struct Batch {
    std::vector<Tensor> ts;
    std::vector<Shape> shapes;
    DType d = DType::Float32;
    std::size_t total = 0;
  };

  // What a rank passed, as every other rank sees it after the first barrier.
  struct Info {
    std::uint64_t bytes, signature, count, dtype;
    bool operator==(const Info& o) const {
      return bytes == o.bytes && signature == o.signature && count == o.count && dtype == o.dtype;
    }
  };

  // Fills b; nullptr when every item is a tensor and all share one dtype, else the reason.
  const char* collect(py::sequence tensors, Batch& b) {
    for (py::handle h : tensors) {
      if (!is_tensor(h)) return "expected a list of tensors";
      Tensor t(tensor_ptr(h));
      if (!b.ts.empty() && t.dtype() != b.d) return "the tensors must share one dtype";
      b.d = t.dtype();
      b.total += static_cast<std::size_t>(t.numel()) * itemsize(b.d);
      b.shapes.push_back(t.shape());
      b.ts.push_back(std::move(t));
    }
    return nullptr;
  }

  static Info describe(const Batch& b) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the rank and extents of each shape
    auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
    for (const Shape& s : b.shapes) {
      mix(static_cast<std::uint64_t>(s.ndim));
      for (int i = 0; i < s.ndim; ++i) mix(static_cast<std::uint64_t>(s[i]));
    }
    return Info{b.total, h, b.ts.size(), static_cast<std::uint64_t>(b.d)};
  }

  [[noreturn]] void throw_mismatch(int par) {
    std::string what;
    for (int r = 0; r < size_; ++r) {
      const Info& o = *info(par, r);
      what += (r ? "; rank " : "rank ") + std::to_string(r) + ": " + std::to_string(o.count) +
              (o.dtype == static_cast<std::uint64_t>(DType::Float64) ? " float64" : " float32") +
              " tensors, " + std::to_string(o.bytes) + " bytes";
    }
    throw InvalidArgument("grouped_allreduce: the ranks passed different tensors (" + what +
                          "); every rank must pass the same shapes and dtypes in the same order");
  }

  py::object run(const Batch& b, double divisor) {
    last_bytes_ = b.total;
    const Info mine = describe(b);
    const bool fits = b.total <= slot_;
    std::vector<Tensor> out;
    {
      GilRelease nogil(true);
      const int par = parity_;
      parity_ ^= 1;
      *info(par, rank_) = mine;
      if (fits) {
        char* dst = slot(par, rank_);
        for (const Tensor& t : b.ts) dst += copy_out(t, dst);
      }
      barrier();
      for (int r = 0; r < size_; ++r)
        if (!(*info(par, r) == mine)) throw_mismatch(par);
      if (fits) {  // else on every rank alike: they all passed the same sizes
        if (b.d == DType::Float32) reduce_share<float>(par, b.total / sizeof(float));
        else reduce_share<double>(par, b.total / sizeof(double));
        barrier();
        out = unpack(b.d, slot(par, 0), b.total, b.shapes, divisor, "_ShmAllreduce");
      }
    }
    if (!fits) return py::none();  // with the GIL again (None's reference count)
    return to_list(out);
  }

  static constexpr auto kSpin = std::chrono::microseconds(50);
  static constexpr auto kYield = std::chrono::milliseconds(50);
  static constexpr auto kSignalCheck = std::chrono::milliseconds(100);

  std::atomic<std::uint64_t>& counter() {
    return *reinterpret_cast<std::atomic<std::uint64_t>*>(base_);
  }
  char* slot(int par, int r) {
    return base_ + header(size_) + (static_cast<std::size_t>(par) * size_ + r) * slot_;
  }
  Info* info(int par, int r) {
    return reinterpret_cast<Info*>(base_ + 64 + (static_cast<std::size_t>(par) * size_ + r) * 64);
  }

  // This rank's share of the elements: [lo, hi), cut at multiples of 16 (one cache line of
  // float32), summed over the ranks in rank order into slot 0.
  template <class T>
  void reduce_share(int par, std::size_t n) {
    const std::size_t per = (n + size_ - 1) / size_;
    const std::size_t step = (per + 15) / 16 * 16;
    const std::size_t lo = std::min(n, step * rank_), hi = std::min(n, lo + step);
    T* acc = reinterpret_cast<T*>(slot(par, 0));
    for (int r = 1; r < size_; ++r) {
      const T* x = reinterpret_cast<const T*>(slot(par, r));
      for (std::size_t i = lo; i < hi; ++i) acc[i] += x[i];
    }
  }

  void barrier() {
    const std::uint64_t target = ++passed_ * static_cast<std::uint64_t>(size_);
    std::atomic<std::uint64_t>& c = counter();
    if (c.fetch_add(1, std::memory_order_acq_rel) + 1 >= target) return;
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    auto next_check = start + kSignalCheck;
    for (unsigned spins = 0;; ++spins) {
      if (c.load(std::memory_order_acquire) >= target) return;
      if (spins < 64 || (spins & 63)) {
        TG_CPU_RELAX();
        continue;
      }
      const auto now = clock::now();
      if (now - start < kSpin) continue;
      if (now - start < kYield) std::this_thread::yield();
      else std::this_thread::sleep_for(std::chrono::microseconds(50));
      if (now >= next_check) {
        next_check = now + kSignalCheck;
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      }
    }
  }

  char* base_;
  int rank_, size_;
  std::size_t slot_;
  int parity_ = 0;
  std::uint64_t passed_ = 0;  // barriers this rank has passed
  std::size_t last_bytes_ = 0;
};

}  // namespace

void bind_collectives(py::module_& m) {
  // Fusion buffers for MPI_Allreduce: a step's gradients are packed into one flat numpy buffer
  // for a single Allreduce, then unpacked into new tensors, the mean's division by the number
  // of ranks done in the unpacking pass. One call each instead of a few numpy calls per tensor.
  m.def("_pack_flat", [](py::sequence tensors, py::array flat) {
    DType d = flat_dtype(flat, "_pack_flat");
    char* dst = static_cast<char*>(flat.mutable_data());  // throws if read-only
    std::size_t cap = static_cast<std::size_t>(flat.nbytes()), at = 0;
    for (py::handle h : tensors) {
      Tensor t = to_tensor(h, nullptr, "_pack_flat");
      if (t.dtype() != d) throw TypeError("_pack_flat: a tensor's dtype differs from the buffer's");
      if (at + static_cast<std::size_t>(t.numel()) * itemsize(d) > cap)
        throw ValueError("_pack_flat: the tensors do not fit in the buffer");
      at += copy_out(t, dst + at);
    }
    return at / itemsize(d);
  }, "Copy the tensors one after another into the flat numpy buffer; returns the element count.");
  m.def("_unpack_flat", [](py::array flat, py::sequence shapes, double divisor) {
    DType d = flat_dtype(flat, "_unpack_flat");
    std::vector<Shape> ss;
    for (py::handle s : shapes) ss.push_back(parse_shape(s, "_unpack_flat"));
    return to_list(unpack(d, static_cast<const char*>(flat.data()),
                          static_cast<std::size_t>(flat.nbytes()), ss, divisor, "_unpack_flat"));
  }, py::arg("flat"), py::arg("shapes"), py::arg("divisor") = 1.0,
     "New tensors of the given shapes from consecutive parts of the flat numpy buffer, each "
     "element divided by `divisor`.");

  py::class_<ShmAllreduce>(m, "_ShmAllreduce",
      "The shared-memory allreduce of tapegrad.distributed (Note [Shared-memory allreduce] in "
      "csrc/bindings/collectives.cc) over a window of `nbytes` at address `base` that every "
      "rank of the node maps; slots of `slot_bytes` (a multiple of 64).")
      .def(py::init<std::uintptr_t, std::size_t, int, int, std::size_t>(), py::arg("base"),
           py::arg("nbytes"), py::arg("rank"), py::arg("size"), py::arg("slot_bytes"))
      .def_static("required_bytes", &ShmAllreduce::required, py::arg("size"), py::arg("slot_bytes"))
      .def_property_readonly("slot_bytes", &ShmAllreduce::slot_bytes)
      .def("reset", &ShmAllreduce::reset, "Zero the arrival counter (rank 0, before first use).")
      .def("__call__", &ShmAllreduce::operator(), py::arg("tensors"), py::arg("divisor") = 1.0,
           "The rank-ordered sum of each tensor over the ranks, divided by `divisor`, as new "
           "tensors; None when they exceed the slot on every rank (grow the window). "
           "Collective: every rank calls it with the same shapes and dtype, else every rank "
           "raises InvalidArgumentError.")
      .def("reduce_if_fits", &ShmAllreduce::reduce_if_fits, py::arg("tensors"),
           py::arg("divisor") = 1.0,
           "__call__ for a list of tensors of one dtype; None without any communication for "
           "anything else.")
      .def_property_readonly("last_bytes", &ShmAllreduce::last_bytes,
                             "Bytes reduced by the last call.");
}

}  // namespace tapegrad::bind
