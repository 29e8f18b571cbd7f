// Thread-local free lists behind pool_alloc/pool_free (see pool.h).
#include "core/pool.h"

#include <cstdlib>
#include <new>
#if defined(_WIN32)
#include <malloc.h>  // _aligned_malloc: the MSVC runtime has no aligned_alloc
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

constexpr int kClasses = kPoolMaxBytes / 64;
constexpr int kMaxCached = 256;  // per class and thread: bounds what a thread can hoard

struct FreeBlock {
  FreeBlock* next;
};

// Trivially constructible and destructible, so the hot path is one thread-local access with
// no initialisation guard; a separate owner object flushes it when the thread exits.
struct Cache {
  FreeBlock* head[kClasses];
  int count[kClasses];
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

inline int size_class(std::size_t bytes) { return static_cast<int>((bytes + 63) / 64) - 1; }

}  // namespace

void* pool_alloc(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  Cache* cp = bytes <= kPoolMaxBytes ? cache_for_thread() : nullptr;
  if (cp) {
    int c = size_class(bytes);
    Cache& cache = *cp;
    if (FreeBlock* b = cache.head[c]) {
      cache.head[c] = b->next;
      --cache.count[c];
      return b;
    }
    void* p = aligned_alloc64(static_cast<std::size_t>(c + 1) * 64);
    if (!p) throw std::bad_alloc();
    return p;
  }
  std::size_t total = (bytes + 63) & ~std::size_t(63);
  if (total < bytes) throw std::bad_alloc();
  void* p = aligned_alloc64(total);
  if (!p) throw std::bad_alloc();
  return p;
}

void pool_free(void* p, std::size_t bytes) {
  if (!p) return;
  if (bytes == 0) bytes = 1;
  Cache* cp = bytes <= kPoolMaxBytes ? cache_for_thread() : nullptr;
  if (cp) {
    int c = size_class(bytes);
    Cache& cache = *cp;
    if (cache.count[c] < kMaxCached) {
      FreeBlock* b = static_cast<FreeBlock*>(p);
      b->next = cache.head[c];
      cache.head[c] = b;
      ++cache.count[c];
      return;
    }
  }
  aligned_free(p);
}

}  // namespace tapegrad
