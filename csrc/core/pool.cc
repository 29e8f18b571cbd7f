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

struct Cache {
  FreeBlock* head[kClasses] = {};
  int count[kClasses] = {};
  ~Cache();
};

// Trivially destructible, so it stays readable while other thread_locals are destroyed.
thread_local bool tls_cache_dead = false;
thread_local Cache tls_cache;

Cache::~Cache() {
  tls_cache_dead = true;
  for (int c = 0; c < kClasses; ++c)
    while (head[c]) {
      FreeBlock* b = head[c];
      head[c] = b->next;
      aligned_free(b);
    }
}

inline int size_class(std::size_t bytes) { return static_cast<int>((bytes + 63) / 64) - 1; }

}  // namespace

void* pool_alloc(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (bytes <= kPoolMaxBytes && !tls_cache_dead) {
    int c = size_class(bytes);
    Cache& cache = tls_cache;
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
  if (bytes <= kPoolMaxBytes && !tls_cache_dead) {
    int c = size_class(bytes);
    Cache& cache = tls_cache;
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
