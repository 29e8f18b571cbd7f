// Thread-local free lists behind pool_alloc/pool_free (see pool.h).
#include "core/pool.h"

#include "core/env.h"

#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>
#if defined(_WIN32)
#include <malloc.h>  // _aligned_malloc: the MSVC runtime has no aligned_alloc
#else
#include <pthread.h>
#include <sys/mman.h>  // madvise (Note [Huge pages])
#endif

namespace tapegrad {
namespace {

// bytes is a multiple of 64 at every call (aligned_alloc requires it on some libcs).
inline void* aligned_alloc64(std::size_t bytes) {
#if defined(_WIN32)
  return _aligned_malloc(bytes, 64);
#else
  return std::aligned_alloc(64, bytes);
#endif
}

inline void aligned_free(void* p) {
#if defined(_WIN32)
  _aligned_free(p);
#else
  std::free(p);
#endif
}

// Note [Medium blocks]
// Small blocks (up to kPoolMaxBytes) have one class per 64 bytes. Medium ones, below
// kBigMinBytes, are rounded up to 1/8 of their power of two (at most 12.5% slack, as in the
// large-block cache) and kept in the same thread-local lists, bounded per thread by
// kMediumCacheBytes. Before, every tensor of 1 KiB to 256 KiB (a 1K-element result, a batch of
// activations) went through aligned_alloc and free: a 1K-element relu took 0.24 µs, of which
// ~0.11 was glibc's memalign path (a 16-element one took 0.11 in all).
constexpr int kSmallClasses = kPoolMaxBytes / 64;
constexpr int kStepsPerOctave = 8;
constexpr int kMediumClasses = 8 * kStepsPerOctave;  // (2^10, 2^18]: eight octaves
constexpr int kClasses = kSmallClasses + kMediumClasses;
static_assert(kPoolMaxBytes == 1024 && kBigMinBytes == (std::size_t(1) << 18),
              "the medium classes span 2^10 .. 2^18 bytes");
constexpr int kMaxCached = 256;  // per class and thread: bounds what a thread can hoard
constexpr std::size_t kMediumCacheBytes = std::size_t(16) << 20;  // per thread

struct FreeBlock {
  FreeBlock* next;
};

// Trivially constructible and destructible, so the hot path is one thread-local access with
// no initialisation guard; a separate owner object flushes it when the thread exits.
struct Cache {
  FreeBlock* head[kClasses];
  int count[kClasses];
  std::size_t medium_held;  // bytes of medium blocks in the lists
  bool live;  // false before the first use and after the thread's exit began
  bool dead;
};

thread_local Cache tls_cache;  // zero-initialised

struct CacheOwner {
  ~CacheOwner() {
    Cache& c = tls_cache;
    c.live = false;
    c.dead = true;
    for (int k = 0; k < kClasses; ++k)
      while (c.head[k]) {
        FreeBlock* b = c.head[k];
        c.head[k] = b->next;
        aligned_free(b);
      }
  }
};

// Called once per thread, on its first pooled allocation: registers the flush at thread exit.
Cache* first_use() {
  thread_local CacheOwner owner;
  (void)owner;
  tls_cache.live = true;
  return &tls_cache;
}

inline Cache* cache_for_thread() {
  Cache* c = &tls_cache;
  if (c->live) return c;
  if (c->dead) return nullptr;
  return first_use();
}

// The list of a block of `bytes` (0 < bytes, rounded up to 64 below kBigMinBytes) and the size
// allocated for it (Note [Medium blocks]).
struct SizeClass {
  int index;
  std::size_t bytes;
};
inline SizeClass size_class(std::size_t bytes) {
  if (bytes <= kPoolMaxBytes) {
    int c = static_cast<int>((bytes + 63) / 64) - 1;
    return {c, static_cast<std::size_t>(c + 1) * 64};
  }
  int lg = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1));  // 2^lg < bytes
  std::size_t base = std::size_t(1) << lg, step = base / kStepsPerOctave;
  std::size_t k = (bytes - base + step - 1) / step;  // 1 .. 8
  return {kSmallClasses + (lg - 10) * kStepsPerOctave + static_cast<int>(k) - 1, base + k * step};
}

// Note [Large block cache]
// A big tensor's buffer comes from mmap and goes back with munmap on every op: the kernel then
// zeroes and faults in every page of the next result (a 16M-element add spent 3/4 of its time
// in the kernel, measured with perf stat). Training loops allocate the same sizes every step, so
// freed blocks from kBigMinBytes up are kept for reuse: sizes are rounded up to 1/8 of their
// power of two (at most 12.5% slack) and matched by that class; the cache is bounded in bytes
// and in entries, evicting the oldest block first. Blocks are handed out outside the lock.
// The entry bound is 256: a user who makes an epoch's 64 batch tensors of 800 KB (and still
// holds the previous epoch's) needs 128 entries; with 32, half of them were mmap'd and
// faulted in every epoch (10-23 ms per epoch against 6-7 ms with 256). A lookup scans the
// entries under the lock, a few hundred ns next to the microseconds a big buffer takes to fill.
struct BigBlock {
  void* p;
  std::size_t bytes;  // rounded class size
  std::uint64_t stamp;
};

struct BigCache {
  std::mutex mu;
  std::vector<BigBlock> blocks;
  std::size_t held = 0;
  std::size_t limit = 0;
  std::uint64_t clock = 0;
  BigCache() {
    std::size_t mb = 512;
    if (const char* env = std::getenv("TAPEGRAD_CACHE_LIMIT_MB")) mb = std::strtoull(env, nullptr, 10);
    limit = mb << 20;
#if !defined(_WIN32)
    // A fork while another thread holds the lock must not leave the child's cache locked.
    // The forking thread takes the lock first and releases it on both sides of the fork.
    pthread_atfork([] { big_cache().mu.lock(); }, [] { big_cache().mu.unlock(); },
                   [] { big_cache().mu.unlock(); });
#endif
  }
  static BigCache& big_cache();
};

BigCache& BigCache::big_cache() {
  static BigCache* c = new BigCache();  // leaked: blocks may be freed during interpreter teardown
  return *c;
}

constexpr std::size_t kMaxBigBlocks = 256;

std::size_t big_class(std::size_t bytes) {
  std::size_t top = 1;  // the power of two <= bytes
  while (top <= bytes / 2) top <<= 1;
  std::size_t step = top / 8;
  return (bytes + step - 1) / step * step;
}

// Frees blocks (outside the lock) until the cache fits `limit`.
void big_trim(BigCache& c, std::unique_lock<std::mutex>& lock, std::size_t limit) {
  std::vector<void*> drop;
  while (!c.blocks.empty() && (c.held > limit || c.blocks.size() > kMaxBigBlocks)) {
    std::size_t oldest = 0;
    for (std::size_t i = 1; i < c.blocks.size(); ++i)
      if (c.blocks[i].stamp < c.blocks[oldest].stamp) oldest = i;
    drop.push_back(c.blocks[oldest].p);
    c.held -= c.blocks[oldest].bytes;
    c.blocks[oldest] = c.blocks.back();
    c.blocks.pop_back();
  }
  lock.unlock();
  for (void* p : drop) aligned_free(p);
}

// Note [Huge pages]
// Buffers of kHugeMinBytes and up are 2 MiB aligned and, where the kernel has transparent huge
// pages in `madvise` mode (the common default), marked MADV_HUGEPAGE, as numpy does for its
// arrays from 4 MiB. A stream over 64 MiB then takes 32 TLB entries instead of 16384: an
// in-place 16M-element float32 update (192 MB of traffic) went from 6.0-6.5 to 5.4-5.5 ms
// (best of 15) in a plain C++ loop on this machine, and numpy's own arrays had that advantage
// over ours. TAPEGRAD_MADVISE_HUGEPAGE=0 turns it off.
constexpr std::size_t kHugeMinBytes = std::size_t(4) << 20;
constexpr std::size_t kHugeAlign = std::size_t(2) << 20;

bool huge_pages_wanted() {
  static const bool on = env_switch_on("TAPEGRAD_MADVISE_HUGEPAGE");
  return on;
}

void* fresh_big_block(std::size_t cls) {
#if defined(MADV_HUGEPAGE)
  if (cls >= kHugeMinBytes && huge_pages_wanted()) {
    std::size_t bytes = (cls + kHugeAlign - 1) / kHugeAlign * kHugeAlign;
    void* p = std::aligned_alloc(kHugeAlign, bytes);
    if (p) madvise(p, bytes, MADV_HUGEPAGE);  // advice only: a refusal changes nothing
    return p;
  }
#endif
  return aligned_alloc64(cls);
}

void* big_alloc(std::size_t bytes) {
  std::size_t cls = big_class(bytes);
  BigCache& c = BigCache::big_cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    std::size_t best = c.blocks.size();
    for (std::size_t i = 0; i < c.blocks.size(); ++i)
      if (c.blocks[i].bytes == cls && (best == c.blocks.size() || c.blocks[i].stamp > c.blocks[best].stamp))
        best = i;
    if (best != c.blocks.size()) {
      void* p = c.blocks[best].p;
      c.held -= cls;
      c.blocks[best] = c.blocks.back();
      c.blocks.pop_back();
      return p;
    }
  }
  void* p = fresh_big_block(cls);
  if (!p) {  // memory is short: give the cache back and try once more
    big_cache_clear();
    p = fresh_big_block(cls);
  }
  if (!p) throw std::bad_alloc();
  return p;
}

void big_free(void* p, std::size_t bytes) {
  std::size_t cls = big_class(bytes);
  BigCache& c = BigCache::big_cache();
  std::unique_lock<std::mutex> lock(c.mu);
  if (cls > c.limit) {
    lock.unlock();
    aligned_free(p);
    return;
  }
  c.blocks.push_back({p, cls, ++c.clock});
  c.held += cls;
  big_trim(c, lock, c.limit);
}

}  // namespace

void big_cache_set_limit(std::size_t bytes) {
  BigCache& c = BigCache::big_cache();
  std::unique_lock<std::mutex> lock(c.mu);
  c.limit = bytes;
  big_trim(c, lock, bytes);
}

std::size_t big_cache_limit() {
  BigCache& c = BigCache::big_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.limit;
}

std::size_t big_cache_bytes() {
  BigCache& c = BigCache::big_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.held;
}

void big_cache_clear() {
  BigCache& c = BigCache::big_cache();
  std::unique_lock<std::mutex> lock(c.mu);
  big_trim(c, lock, 0);
}

void* pool_alloc(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  std::size_t total = (bytes + 63) & ~std::size_t(63);
  if (total < bytes) throw std::bad_alloc();
  if (total >= kBigMinBytes) return big_alloc(total);
  const SizeClass sc = size_class(bytes);
  if (Cache* cp = cache_for_thread()) {
    Cache& cache = *cp;
    if (FreeBlock* b = cache.head[sc.index]) {
      cache.head[sc.index] = b->next;
      --cache.count[sc.index];
      if (sc.index >= kSmallClasses) cache.medium_held -= sc.bytes;
      return b;
    }
  }
  void* p = aligned_alloc64(sc.bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

void pool_free(void* p, std::size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  std::size_t total = (bytes + 63) & ~std::size_t(63);
  if (total >= kBigMinBytes) {
    big_free(p, total);
    return;
  }
  const SizeClass sc = size_class(bytes);
  if (Cache* cp = cache_for_thread()) {
    Cache& cache = *cp;
    const bool medium = sc.index >= kSmallClasses;
    if (cache.count[sc.index] < kMaxCached &&
        (!medium || cache.medium_held + sc.bytes <= kMediumCacheBytes)) {
      FreeBlock* b = static_cast<FreeBlock*>(p);
      b->next = cache.head[sc.index];
      cache.head[sc.index] = b;
      ++cache.count[sc.index];
      if (medium) cache.medium_held += sc.bytes;
      return;
    }
  }
  aligned_free(p);
}

}  // namespace tapegrad
