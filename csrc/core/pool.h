// Small-block allocator: thread-local free lists of 64-byte aligned blocks (size classes of
// 64 bytes up to 1 KiB). Every op allocates a TensorImpl and a Storage; for the scalars and
// small tensors of an eager op chain malloc/memalign dominated the op's cost.
#pragma once
#include <cstddef>

namespace tapegrad {

constexpr std::size_t kPoolMaxBytes = 1024;

// 64-byte aligned; bytes > kPoolMaxBytes falls through to aligned_alloc. Throws bad_alloc.
void* pool_alloc(std::size_t bytes);
// `bytes` must be the value given to pool_alloc. Any thread may free any block.
void pool_free(void* p, std::size_t bytes);

}  // namespace tapegrad
