// Test builds only (CMake option TAPEGRAD_EMULATE_AVX512): the AVX-512 intrinsics that
// simd_vec.h uses, from SIMDe's portable implementations, so that the avx512 kernels run, and
// are tested, on a CPU without AVX-512 (ours has none). Included by simd_vec.h in the avx512
// folder's files, which are then compiled for AVX2 instead of AVX-512.
//
// Note [Emulated AVX-512]
// The kernels' AVX-512 code is the F32x16/F64x8 traits in simd_vec.h plus the shared templates
// instantiated on them (16/8 lanes, 12-row GEMM tiles, 16-bit tail masks). No emulator that
// runs here (QEMU's TCG has no AVX-512; Intel's SDE is not on the package registries) can
// execute it, so a test build compiles those exact files against SIMDe (Debian's
// libsimde-dev), whose native aliases turn each _mm512_* call into portable code with the
// documented lane semantics. SIMDe 0.7.4 lacks the masked loads and stores (512- and 128-bit), the streaming
// stores, the float/double conversions and the 64-bit gather; they are defined below from the
// Intel intrinsics guide's per-lane definitions, touching only the memory the real instruction
// touches (a masked-off lane is never read or written).
// What this cannot catch: a wrong choice of intrinsic that SIMDe implements the same way as
// the intended one, and code generation bugs in GCC's AVX-512 back end.
#pragma once

#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>

#include <cstdint>
#include <cstring>

namespace tapegrad_avx512_emulation {

// Lane i from p[i] where bit i of m is set, else from fill (zero for the maskz forms).
template <class R, class T, int N>
inline R mask_loadu(R fill, std::uint32_t m, const void* p) {
  T lanes[N];
  std::memcpy(lanes, &fill, sizeof(lanes));
  const T* src = static_cast<const T*>(p);
  for (int i = 0; i < N; ++i)
    if ((m >> i) & 1u) lanes[i] = src[i];
  R r;
  std::memcpy(&r, lanes, sizeof(r));
  return r;
}

template <class R, class T, int N>
inline void mask_storeu(void* p, std::uint32_t m, R v) {
  T lanes[N];
  std::memcpy(lanes, &v, sizeof(lanes));
  T* dst = static_cast<T*>(p);
  for (int i = 0; i < N; ++i)
    if ((m >> i) & 1u) dst[i] = lanes[i];
}

inline simde__m512d cvtps_pd(simde__m256 a) {
  float in[8];
  double out[8];
  simde_mm256_storeu_ps(in, a);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<double>(in[i]);
  return simde_mm512_loadu_pd(out);
}

// Rounds to nearest even as the instruction does under the default MXCSR.
inline simde__m256 cvtpd_ps(simde__m512d a) {
  double in[8];
  float out[8];
  simde_mm512_storeu_pd(in, a);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<float>(in[i]);
  return simde_mm256_loadu_ps(out);
}

inline simde__m512d i64gather_pd(simde__m512i idx, const void* base, int scale) {
  std::int64_t ix[8];
  double out[8];
  simde_mm512_storeu_si512(ix, idx);
  const char* b = static_cast<const char*>(base);
  for (int i = 0; i < 8; ++i) std::memcpy(&out[i], b + ix[i] * scale, sizeof(double));
  return simde_mm512_loadu_pd(out);
}

}  // namespace tapegrad_avx512_emulation

#define _mm512_maskz_loadu_ps(m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m512, float, 16>(simde_mm512_setzero_ps(), (m), (p)))
#define _mm512_maskz_loadu_pd(m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m512d, double, 8>(simde_mm512_setzero_pd(), (m), (p)))
#define _mm512_mask_loadu_ps(f, m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m512, float, 16>((f), (m), (p)))
#define _mm512_mask_loadu_pd(f, m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m512d, double, 8>((f), (m), (p)))
#define _mm512_mask_storeu_ps(p, m, v) \
  (tapegrad_avx512_emulation::mask_storeu<simde__m512, float, 16>((p), (m), (v)))
#define _mm512_mask_storeu_pd(p, m, v) \
  (tapegrad_avx512_emulation::mask_storeu<simde__m512d, double, 8>((p), (m), (v)))
// SIMDe has simde_mm512_shuffle_f32x4 and _f64x2 but no native aliases for them.
#define _mm512_shuffle_f32x4(a, b, imm8) simde_mm512_shuffle_f32x4((a), (b), (imm8))
#define _mm512_shuffle_f64x2(a, b, imm8) simde_mm512_shuffle_f64x2((a), (b), (imm8))
// The 128- and 256-bit forms (AVX-512VL) the narrow GEMM's row write-back uses.
#define _mm256_maskz_loadu_pd(m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m256d, double, 4>(simde_mm256_setzero_pd(), (m), (p)))
#define _mm256_mask_storeu_pd(p, m, v) \
  (tapegrad_avx512_emulation::mask_storeu<simde__m256d, double, 4>((p), (m), (v)))
#define _mm_maskz_loadu_ps(m, p) \
  (tapegrad_avx512_emulation::mask_loadu<simde__m128, float, 4>(simde_mm_setzero_ps(), (m), (p)))
#define _mm_mask_storeu_ps(p, m, v) \
  (tapegrad_avx512_emulation::mask_storeu<simde__m128, float, 4>((p), (m), (v)))
// A streaming store's only visible effect is the store.
#define _mm512_stream_ps(p, v) simde_mm512_storeu_ps((p), (v))
#define _mm512_stream_pd(p, v) simde_mm512_storeu_pd((p), (v))
#define _mm512_cvtps_pd(a) (tapegrad_avx512_emulation::cvtps_pd(a))
#define _mm512_cvtpd_ps(a) (tapegrad_avx512_emulation::cvtpd_ps(a))
#define _mm512_i64gather_pd(i, b, s) (tapegrad_avx512_emulation::i64gather_pd((i), (b), (s)))
