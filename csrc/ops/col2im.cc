// x[n, y, x, c] = the sum of p[n, oy, ox, (i, j, c)] over the windows that read (y, x): the
// adjoint of im2col (Note [Patches]); conv2d's input gradient and conv2d_transpose.
//   dp = im2col(dx)
#include <cstring>

#include "core/gil.h"
#include "kernels/threadpool.h"
#include "ops/patches.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = im2col(g[0], PatchGeom::load(e.attrs), 0.0);
}

// Image rows [r0, r1) (r = n * h + y), each written by one thread only, so any split gives
// the same sums: row y gathers from the window rows i whose oy = (y + pt - i * dh) / sh is a
// whole number in [0, oh). As im2col's fill_windows, a window row inside the image (dw == 1)
// adds one contiguous run of kw * c values. (Split by image before, one image ran on one
// thread: a 56x56x64 image, 3x3 windows, 164 µs on 2 threads, now 86-90; batches of 8 and 32
// unchanged.)
template <class T>
void add_windows(const T* __restrict__ p, T* __restrict__ x, const PatchGeom& g, i64 c, i64 r0, i64 r1) {
  const i64 run = g.kw * c, depth = g.window() * c;
  for (i64 r = r0; r < r1; ++r) {
    const i64 n = r / g.h, y = r % g.h;
    T* dst_row = x + r * g.w * c;
    for (i64 i = 0; i < g.kh; ++i) {
      const i64 t = y + g.pt - i * g.dh;
      if (t < 0 || t % g.sh != 0 || t / g.sh >= g.oh) continue;
      const i64 oy = t / g.sh;
      const T* in = p + (n * g.oh + oy) * g.ow * depth + i * run;
      for (i64 ox = 0; ox < g.ow; ++ox, in += depth) {
        const i64 xx0 = ox * g.sw - g.pl;
        if (g.dw == 1 && xx0 >= 0 && xx0 + g.kw <= g.w) {
          T* __restrict__ out = dst_row + xx0 * c;
          for (i64 k = 0; k < run; ++k) out[k] += in[k];
          continue;
        }
        for (i64 j = 0; j < g.kw; ++j) {
          const i64 xx = xx0 + j * g.dw;
          if (xx < 0 || xx >= g.w) continue;
          T* out = dst_row + xx * c;
          for (i64 k = 0; k < c; ++k) out[k] += in[j * c + k];
        }
      }
    }
  }
}
}  // namespace
const OpDef op_col2im{"col2im", vjp};

Tensor col2im(const Tensor& p, const PatchGeom& g, i64 channels) {
  require_floating(p.dtype(), "col2im");
  g.check("col2im");
  const Shape& ps = p.shape();
  if (channels < 0 || ps.ndim != 4 || ps.d[1] != g.oh || ps.d[2] != g.ow || ps.d[3] != g.window() * channels)
    throw InvalidArgument("col2im: expected windows of shape [N, " + std::to_string(g.oh) + ", " +
                          std::to_string(g.ow) + ", " + std::to_string(g.window()) + " x " +
                          std::to_string(channels) + "], got " + ps.str());
  const i64 n = ps.d[0];
  Shape xs;
  for (i64 v : {n, g.h, g.w, channels}) xs.push_back(v);
  Tensor x = Tensor::empty(p.dtype(), xs, "col2im");
  if (x.numel() > 0) {
    GilRelease nogil(p.numel() >= kGilReleaseElems);
    std::memset(x.raw(), 0, static_cast<std::size_t>(x.numel()) * itemsize(x.dtype()));
    dispatch_dtype(p.dtype(), [&](auto t) {
      using T = decltype(t);
      const T* src = p.data<T>();
      T* dst = x.data<T>();
      const i64 chunks = p.numel() >= (1 << 16) ? num_threads() * 4 : 1;
      parallel_for(n * g.h, chunks, [&](i64 r0, i64 r1) { add_windows(src, dst, g, channels, r0, r1); });
    });
  }
  if (should_record({p})) {
    Attrs at;
    g.save(at);
    record1(op_col2im, {p}, x, {}, std::move(at));
  }
  return x;
}
}  // namespace tapegrad::ops
