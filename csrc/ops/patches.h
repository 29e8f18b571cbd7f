// Note [Patches]
// Sliding windows over NHWC images, shared by im2col and col2im, which are each other's vjp
// (both linear; one is the other's transpose). Window (oy, ox) of image n reads rows
// y = oy * sh - pt + i * dh and columns x = ox * sw - pl + j * dw for i < kh, j < kw; a
// position outside the image reads the pad value (0 for convolutions, -inf for max pooling)
// and gets no gradient. A window's kh * kw * C values are laid out (i, j, channel), the order
// of a [kh, kw, C, O] filter reshaped to [kh * kw * C, O] and of tf.image.extract_patches.
// Python (nn.py) computes the geometry from TF's padding rules; C++ checks it is consistent.
#pragma once
#include <string>

#include "ops/elementwise.h"

namespace tapegrad::ops {

struct PatchGeom {
  i64 h, w;    // image height and width
  i64 kh, kw;  // window
  i64 sh, sw;  // strides
  i64 dh, dw;  // dilations
  i64 pt, pl;  // pad rows above, pad columns left
  i64 oh, ow;  // windows down, across
  static constexpr int kFields = 12;

  void save(Attrs& at) const {
    for (i64 v : {h, w, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow}) at.ints.push_back(v);
  }
  static PatchGeom load(const Attrs& at, int from = 0) {
    const auto& v = at.ints;
    return {v[from + 0], v[from + 1], v[from + 2], v[from + 3], v[from + 4], v[from + 5],
            v[from + 6], v[from + 7], v[from + 8], v[from + 9], v[from + 10], v[from + 11]};
  }
  static PatchGeom from_list(const std::vector<i64>& v, const char* op) {
    if (static_cast<int>(v.size()) != kFields)
      throw InvalidArgument(std::string(op) + ": the window geometry needs " + std::to_string(kFields) +
                            " integers, got " + std::to_string(v.size()));
    PatchGeom g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
    g.check(op);
    return g;
  }
  // Every window must start no further than its last pad position; the rest is Python's job.
  void check(const char* op) const {
    auto bad = [&](const std::string& what) {
      throw InvalidArgument(std::string(op) + ": " + what);
    };
    if (h < 0 || w < 0 || oh < 0 || ow < 0) bad("negative image or output size");
    if (kh < 1 || kw < 1) bad("the window must be at least 1 x 1");
    if (sh < 1 || sw < 1) bad("strides must be at least 1");
    if (dh < 1 || dw < 1) bad("dilations must be at least 1");
    if (pt < 0 || pl < 0) bad("padding must be non-negative");
    const i64 big = i64(1) << 31;  // products of two fields (oy * sh, i * dh) stay far from overflow
    for (i64 v : {h, w, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow})
      if (v > big) bad("a window size, stride, dilation or padding is too large");
  }
  i64 window() const { return kh * kw; }
};

// [N, H, W, C] -> [N, OH, OW, KH * KW * C] (pad positions read pad_value).
Tensor im2col(const Tensor& x, const PatchGeom& g, double pad_value);
// [N, OH, OW, KH * KW * C] -> [N, H, W, C]: each window's values added back where they came from.
Tensor col2im(const Tensor& p, const PatchGeom& g, i64 channels);

}  // namespace tapegrad::ops
