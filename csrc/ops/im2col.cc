// y[n, oy, ox, (i, j, c)] = x[n, oy*sh - pt + i*dh, ox*sw - pl + j*dw, c] (pad_value outside):
// the windows of a convolution or pooling laid out as rows (Note [Patches]).
//   dx = col2im(dy)
#include <algorithm>
#include <cstring>

#include "core/gil.h"
#include "kernels/threadpool.h"
#include "ops/patches.h"

namespace tapegrad::ops {
namespace {
void vjp(const TapeEntry& e, const Tensor* g, Tensor* gin, const bool*) {
  gin[0] = col2im(g[0], PatchGeom::load(e.attrs), e.attrs.ints[PatchGeom::kFields]);
}

// Copies n elements; a call to memcpy pays from about 64 bytes (a 1-channel 3x3 window row
// is 3 floats: the windows of 32 28x28x1 images, 3x3, took 469 µs with a memcpy per pixel, 126
// with this and whole window rows).
template <class T>
inline void copy_n(const T* src, i64 n, T* dst) {
  if (n * i64(sizeof(T)) >= 64) std::memcpy(dst, src, static_cast<std::size_t>(n) * sizeof(T));
  else for (i64 k = 0; k < n; ++k) dst[k] = src[k];
}

// Output rows [row0, row1) (row = n * oh + oy), window row i at a time: where a window's row
// lies inside the image (and dw == 1) its kw * c values are one contiguous run of the input.
template <class T>
void fill_windows(const T* x, T* y, const PatchGeom& g, i64 c, T pad, i64 row0, i64 row1) {
  const i64 run = g.kw * c, depth = g.window() * c;
  for (i64 r = row0; r < row1; ++r) {
    const i64 n = r / g.oh, oy = r % g.oh;
    const T* img = x + n * g.h * g.w * c;
    T* base = y + r * g.ow * depth;
    for (i64 i = 0; i < g.kh; ++i) {
      const i64 yy = oy * g.sh - g.pt + i * g.dh;
      const bool row_in = yy >= 0 && yy < g.h;
      const T* src_row = img + yy * g.w * c;
      T* out = base + i * run;
      for (i64 ox = 0; ox < g.ow; ++ox, out += depth) {
        const i64 xx0 = ox * g.sw - g.pl;
        if (!row_in) {
          std::fill(out, out + run, pad);
        } else if (g.dw == 1 && xx0 >= 0 && xx0 + g.kw <= g.w) {
          copy_n(src_row + xx0 * c, run, out);
        } else {
          for (i64 j = 0; j < g.kw; ++j) {
            const i64 xx = xx0 + j * g.dw;
            if (xx < 0 || xx >= g.w) std::fill(out + j * c, out + (j + 1) * c, pad);
            else copy_n(src_row + xx * c, c, out + j * c);
          }
        }
      }
    }
  }
}
}  // namespace
const OpDef op_im2col{"im2col", vjp};

Tensor im2col(const Tensor& x, const PatchGeom& g, double pad_value) {
  require_floating(x.dtype(), "im2col");
  g.check("im2col");
  const Shape& xs = x.shape();
  if (xs.ndim != 4 || xs.d[1] != g.h || xs.d[2] != g.w)
    throw InvalidArgument("im2col: expected images of shape [N, " + std::to_string(g.h) + ", " +
                          std::to_string(g.w) + ", C], got " + xs.str());
  const i64 n = xs.d[0], c = xs.d[3];
  i64 depth = 0;
  if (__builtin_mul_overflow(g.window(), c, &depth))
    throw ValueError("im2col: the window holds too many elements");
  Shape ys;
  for (i64 v : {n, g.oh, g.ow, depth}) ys.push_back(v);
  Tensor y = Tensor::empty(x.dtype(), ys, "im2col");
  if (y.numel() > 0) {
    GilRelease nogil(y.numel() >= kGilReleaseElems);
    dispatch_dtype(x.dtype(), [&](auto t) {
      using T = decltype(t);
      const T* src = x.data<T>();
      T* dst = y.data<T>();
      const T pad = static_cast<T>(pad_value);
      const i64 rows = n * g.oh;
      const i64 chunks = y.numel() >= (1 << 16) ? num_threads() * 4 : 1;
      parallel_for(rows, chunks, [&](i64 r0, i64 r1) { fill_windows(src, dst, g, c, pad, r0, r1); });
    });
  }
  if (should_record({x})) {
    Attrs at;
    g.save(at);
    at.ints.push_back(c);
    at.f = pad_value;
    record1(op_im2col, {x}, y, {}, std::move(at));
  }
  return y;
}
}  // namespace tapegrad::ops
