// Block allocator: thread-local free lists of 64-byte aligned blocks (size classes of 64 bytes
// up to 1 KiB, then of 1/8 of a power of two below 256 KiB: Note [Medium blocks] in pool.cc),
// and a shared cache of the large blocks above. Every op allocates a TensorImpl and a Storage;
// for the scalars and small tensors of an eager op chain malloc/memalign dominated its cost.
#pragma once
#include <cstddef>

namespace tapegrad {

constexpr std::size_t kPoolMaxBytes = 1024;
constexpr std::size_t kBigMinBytes = std::size_t(256) << 10;

// 64-byte aligned: below kBigMinBytes from this thread's lists (aligned_alloc when a list is
// empty), from there on from the large-block cache (Note [Large block cache] in pool.cc).
// Throws bad_alloc.
void* pool_alloc(std::size_t bytes);
// `bytes` must be the value given to pool_alloc. Any thread may free any block.
void pool_free(void* p, std::size_t bytes);

// The large-block cache's bound in bytes (default 512 MiB, or TAPEGRAD_CACHE_LIMIT_MB); setting
// it frees cached blocks above the new bound, 0 disables the cache.
void big_cache_set_limit(std::size_t bytes);
std::size_t big_cache_limit();
std::size_t big_cache_bytes();  // bytes held by the cache now (free blocks kept for reuse)
void big_cache_clear();         // give every cached block back to the system

}  // namespace tapegrad
