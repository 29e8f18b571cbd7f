"""Every compiled elementwise/reduction kernel (scalar, avx2, avx512 where the CPU runs them)
against numpy: sizes around the vector widths (8/16 float32, 4/8 float64 lanes) and past the
thread threshold, broadcast operands (stride 0), NaN/inf/denormal/signed-zero propagation,
1 and 2 threads. Exact ops must match numpy (and the scalar reference) bit for bit; exp, log,
tanh, sigmoid are held to a ulp budget over the whole float range (Note [Vector
transcendentals] in csrc/kernels/simd_math.h)."""
import math

import numpy as np
import pytest

from tapegrad import _core  # noqa: E402  (a missing core must fail, not skip)
K = _core._kernels

ISAS = list(K.isas())
DTYPES = [np.float32, np.float64]
MOD = {np.float32: K.f32, np.float64: K.f64}
SIZES = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 97, 1009, 10**6 + 3]
SMALL_SIZES = SIZES[:-1]
BIG = 10**6 + 3  # past every thread threshold

# max |ulp| distance of the SIMD exp/log/tanh from the correctly rounded result (float32; 2 for
# sigmoid) or from numpy (float64); see _assert_transcendental.
ULP = {np.float32: 1, np.float64: 4}


def _specials(dtype):
    fi = np.finfo(dtype)
    return np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, fi.tiny, -fi.tiny,
                     fi.smallest_subnormal, -fi.smallest_subnormal, fi.tiny / 3, fi.max, -fi.max,
                     1.0, -1.0, 0.5, 2.0], dtype=dtype)


def _data(n, dtype, seed=0, scale=4.0):
    """n values: mostly normal * scale, with the special values sprinkled in."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * scale).astype(dtype)
    sp = _specials(dtype)
    if n:
        idx = rng.integers(0, n, size=min(n, 3 * len(sp)))
        x[idx] = np.resize(sp, len(idx))
    return x


def _bits(x):
    return x.view(np.uint32 if x.dtype == np.float32 else np.uint64)


def _assert_bits_equal(got, want):
    """Same bits, except that any NaN matches any NaN (payloads are not specified)."""
    assert got.dtype == want.dtype and got.shape == want.shape
    nan = np.isnan(got) & np.isnan(want)
    bad = (_bits(got) != _bits(want)) & ~nan
    assert not bad.any(), f"{bad.sum()} differ, first at {np.flatnonzero(bad)[:5]}: " \
                          f"got {got[bad][:5]} want {want[bad][:5]}"


def _ulp(a, b):
    """|ulp distance| between same-dtype arrays (monotone integer mapping, +-0 equal)."""
    it = np.int32 if a.dtype == np.float32 else np.int64
    sign = np.iinfo(it).max

    def ordered(v):
        i = v.view(it).astype(np.int64)
        return np.where(i < 0, -(i & sign), i)
    oa, ob = ordered(a), ordered(b)
    same = (oa >= 0) == (ob >= 0)  # then the int64 difference is exact
    far = np.abs(oa.astype(np.float64)) + np.abs(ob.astype(np.float64))
    return np.where(same, np.abs(np.where(same, oa - ob, 0)).astype(np.float64), far)


def _assert_ulp(got, want, max_ulp):
    assert got.shape == want.shape
    nan_g, nan_w = np.isnan(got), np.isnan(want)
    assert np.array_equal(nan_g, nan_w), f"NaN mismatch at {np.flatnonzero(nan_g != nan_w)[:5]}"
    d = _ulp(got[~nan_g], want[~nan_w])
    if d.size:
        i = int(d.argmax())
        assert d[i] <= max_ulp, f"{d[i]:.0f} ulp at {i}: got {got[~nan_g][i]!r} want {want[~nan_w][i]!r}"


# ---- unary -----------------------------------------------------------------------------------

def _np_relu(x):
    return np.where(x > 0, x, np.where(np.isnan(x), x, np.zeros_like(x)))


EXACT_UNARY = {
    "neg": np.negative,
    "abs": np.abs,
    "sign": np.sign,
    "square": np.square,
    "sqrt": np.sqrt,
    "relu": _np_relu,
}


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("op", list(EXACT_UNARY))
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_exact_unary(isa, dtype, op, n, threads):
    x = _data(n, dtype, seed=n)
    with np.errstate(all="ignore"):
        want = EXACT_UNARY[op](x)
    got = MOD[dtype].unary(isa, op, x)
    # numpy's bits, up to the sign of zero and NaN payload, and the scalar reference's bits.
    assert np.array_equal(got, want, equal_nan=True)
    _assert_bits_equal(got, MOD[dtype].unary("scalar", op, x))


def test_relu_of_negative_zero_and_nan_is_like_np_maximum():
    for dtype in DTYPES:
        x = np.array([-0.0, np.nan, -1, 2], dtype)
        for isa in ISAS:
            got = MOD[dtype].unary(isa, "relu", x)
            assert not np.signbit(got[0]) and np.isnan(got[1]) and got[2] == 0 and got[3] == 2


def _sigmoid64(x):
    x = x.astype(np.float64)
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


def _correctly_rounded(op, x):
    """numpy's float64 result rounded once to x's dtype (float32), or numpy itself (float64)."""
    with np.errstate(all="ignore"):
        if op == "sigmoid":
            return _sigmoid64(x).astype(x.dtype)
        if x.dtype == np.float64:
            return getattr(np, op)(x)
        return getattr(np, op)(x.astype(np.float64)).astype(x.dtype)


def _assert_transcendental(got, op, x, isa):
    """float32: within 1 ulp of the correctly rounded result, hence never further from numpy's
    float32 result than numpy's own error + 1 (numpy's float32 exp/log are up to 2-3 ulp off,
    e.g. log(0.801f), so "within 2 ulp of numpy" is not attainable by any accurate kernel).
    float64: within ULP of numpy's (libm) result. The scalar reference (glibc) gets 3."""
    cr = _correctly_rounded(op, x)
    if x.dtype == np.float32 and op != "sigmoid":
        with np.errstate(all="ignore"):
            npv = getattr(np, op)(x)
        _assert_ulp(got, cr, 1 if isa != "scalar" else 2)
        ok = ~np.isnan(got)
        slack = _ulp(npv[ok], cr[ok]) + (1 if isa != "scalar" else 2)
        assert np.all(_ulp(got[ok], npv[ok]) <= slack)
    elif x.dtype == np.float32:  # sigmoid: float lanes, <= 2 ulp (Note [Vector transcendentals])
        _assert_ulp(got, cr, 2 if isa != "scalar" else 3)
    else:
        _assert_ulp(got, cr, ULP[x.dtype.type] if isa != "scalar" else 3)


def _sweep(dtype, count, seed):
    """`count` values spread over every bit pattern of the type (both signs, all exponents)."""
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        b = np.linspace(0, 2**32 - 1, count, dtype=np.uint64).astype(np.uint32)
        b ^= rng.integers(0, 1 << 12, size=count, dtype=np.uint32)
        x = b.view(np.float32)
    else:
        x = rng.integers(0, 2**64 - 1, size=count, dtype=np.uint64, endpoint=True).view(np.float64)
    return np.concatenate([x, _specials(dtype)])


# The interesting ranges: around 0, the exp overflow/underflow edges, denormal results.
def _edges(dtype):
    if dtype == np.float32:
        pts = [88.72283, 88.7228394, 88.72284, -87.33654, -87.3366, -103.972, -103.97208, -104.0,
               9.0, 9.01, 1e-4, 3e-4, 0.125, 0.34657359, 0.6931472, 708.0]
    else:
        pts = [709.782712893384, 709.7827128933841, 709.79, -708.3964, -708.4, -745.1332191019411,
               -745.14, -746.0, 19.06, 1e-8, 0.125, 0.34657359027997264, 0.6931471805599453]
    pts = np.array(pts, dtype)
    nb = [np.nextafter(pts, np.array(np.inf, dtype)), np.nextafter(pts, np.array(-np.inf, dtype))]
    return np.concatenate([pts, -pts, *nb, -nb[0], -nb[1]])


@pytest.mark.parametrize("op", ["exp", "expm1", "log", "log1p", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_transcendental_whole_range(isa, dtype, op):
    x = np.concatenate([_sweep(dtype, 1 << 18, seed=1), _edges(dtype),
                        np.linspace(-20, 20, 40001, dtype=dtype),
                        np.geomspace(np.finfo(dtype).smallest_subnormal, 1e3, 20000, dtype=dtype)])
    _assert_transcendental(MOD[dtype].unary(isa, op, x), op, x, isa)


def test_tanh_float32_intervals_dense(isa):
    """float32 tanh is piecewise on AVX-512 (Note [Table tanh], simd_math.h): 32 slots, four per
    binade from 2^-4 to 16 split on bits(|x|) >> 21, a shared slot below 2^-4 and a clamp at 10.
    Every slot start and its float neighbours, every 61st float of [0, 10.5] (so each slot gets
    thousands of points, the widest 131000+) and both signs, within 1 ulp of the correctly
    rounded result; odd symmetry is exact. (The whole of [0, 10.5] was checked when the table
    was made: 98% correctly rounded, the rest 1 ulp.)"""
    starts = (np.arange(488, 524, dtype=np.uint32) << 21).view(np.float32)
    edge = np.concatenate([starts, np.nextafter(starts, np.float32(0)),
                           np.nextafter(starts, np.float32(np.inf)),
                           np.float32([9.0, 9.010913, 9.0109135, 10.0, 10.000001, 1e30])])
    dense = np.arange(0, np.float32(10.5).view(np.uint32), 61, dtype=np.uint32).view(np.float32)
    x = np.concatenate([edge, dense])
    got = K.f32.unary(isa, "tanh", x)
    _assert_ulp(got, _correctly_rounded("tanh", x), 1 if isa != "scalar" else 2)
    neg = K.f32.unary(isa, "tanh", -x)
    assert np.array_equal(neg.view(np.uint32), got.view(np.uint32) | np.uint32(0x80000000))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("op", ["exp", "expm1", "log", "log1p", "tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_transcendental_sizes(isa, dtype, op, n, threads):
    x = _data(n, dtype, seed=n, scale=30.0)
    _assert_transcendental(MOD[dtype].unary(isa, op, x), op, x, isa)


def test_transcendental_specials():
    for dtype in DTYPES:
        x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -1.0], dtype)
        for isa in ISAS:
            m = MOD[dtype]
            np.testing.assert_array_equal(m.unary(isa, "exp", x)[:5], [1, 1, np.inf, 0, np.nan])
            np.testing.assert_array_equal(m.unary(isa, "log", x)[:5], [-np.inf, -np.inf, np.inf, np.nan, np.nan])
            assert np.isnan(m.unary(isa, "log", x)[5])
            l1p = m.unary(isa, "log1p", x)
            np.testing.assert_array_equal(l1p[:5], [0, -0.0, np.inf, np.nan, np.nan])
            assert np.signbit(l1p[1]) and l1p[5] == -np.inf
            assert np.isnan(m.unary(isa, "log1p", np.array([-1.5, -np.finfo(dtype).max], dtype))).all()
            e1 = m.unary(isa, "expm1", x)
            np.testing.assert_array_equal(e1[:5], [0, -0.0, np.inf, -1, np.nan])
            assert np.signbit(e1[1]) and e1[5] == np.expm1(x[5])
            t = m.unary(isa, "tanh", x)
            np.testing.assert_array_equal(t[:5], [0, -0.0, 1, -1, np.nan])
            assert np.signbit(t[1])
            np.testing.assert_array_equal(m.unary(isa, "sigmoid", x)[:5], [0.5, 0.5, 1, 0, np.nan])


def _erf_correctly_rounded(x):
    """math.erf (the C library's, within 1 ulp in float64) of x, rounded once to x's dtype."""
    with np.errstate(invalid="ignore"):  # NaN payloads of the bit-pattern sweep
        return np.array([math.erf(v) for v in x.astype(np.float64).tolist()]).astype(x.dtype)


def _erf_points(dtype):
    """Every kind of input: bit patterns over the whole range, a dense [-6, 6] (the kernel's
    pieces meet at |x| = 1 and clamp at 4), the break points' float neighbours, tiny values."""
    brk = np.array([1.0, 2.5, 3.92, 4.0, 5.9, 6.0], dtype)
    brk = np.concatenate([brk, np.nextafter(brk, np.array(0, dtype)), np.nextafter(brk, np.array(9, dtype))])
    return np.concatenate([_sweep(dtype, 1 << 16, seed=5), np.linspace(-6, 6, 120001, dtype=dtype),
                           brk, -brk, np.geomspace(np.finfo(dtype).smallest_subnormal, 10, 5000, dtype=dtype)])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_erf_whole_range(isa, dtype):
    """float32 (Note [Erf], double lanes, rounded once) and float64 (the C library's erf per
    lane): within 1 ulp of the correctly rounded result; odd symmetry exact; erf(+-0) = +-0,
    erf(+-inf) = +-1, NaN stays NaN."""
    x = _erf_points(dtype)
    got = MOD[dtype].unary(isa, "erf", x)
    _assert_ulp(got, _erf_correctly_rounded(x), 1)
    neg = MOD[dtype].unary(isa, "erf", -x)
    ok = ~np.isnan(x)
    assert np.array_equal(neg[ok], -got[ok]) and np.array_equal(np.signbit(neg[ok]), ~np.signbit(got[ok]))
    sp = MOD[dtype].unary(isa, "erf", np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype))
    np.testing.assert_array_equal(sp, [0.0, -0.0, 1.0, -1.0, np.nan])
    assert not np.signbit(sp[0]) and np.signbit(sp[1])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_erf_sizes(isa, dtype, n, threads):
    x = _data(n, dtype, seed=n, scale=3.0)
    _assert_ulp(MOD[dtype].unary(isa, "erf", x), _erf_correctly_rounded(x), 1)


def _erfc_correctly_rounded(x):
    """math.erfc (the C library's) of x, rounded once to x's dtype."""
    with np.errstate(invalid="ignore"):
        return np.array([math.erfc(v) for v in x.astype(np.float64).tolist()]).astype(x.dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_erfc_whole_range(isa, dtype):
    """float32 (Note [Erfc], double lanes, rounded once) and float64 (the C library's erfc per
    lane): within 1 ulp of the correctly rounded result everywhere, the subnormal results near
    x = 10 and the values near 2 for x << 0 included, where 1 - erf(x) would lose them all;
    erfc(+-0) = 1, erfc(inf) = 0, erfc(-inf) = 2, NaN stays NaN."""
    tail = np.linspace(0.5, 10.2, 100001, dtype=dtype)  # the pieces meet at 1, C clamps at 10.1
    brk = np.array([1.0, 9.0, 9.2, 10.0, 10.05, 10.1, 26.5, 27.3], dtype)
    brk = np.concatenate([brk, np.nextafter(brk, np.array(0, dtype)), np.nextafter(brk, np.array(99, dtype))])
    x = np.concatenate([_erf_points(dtype), tail, -tail, brk, -brk])
    got = MOD[dtype].unary(isa, "erfc", x)
    _assert_ulp(got, _erfc_correctly_rounded(x), 1)
    sp = MOD[dtype].unary(isa, "erfc", np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype))
    np.testing.assert_array_equal(sp, [1.0, 1.0, 0.0, 2.0, np.nan])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_erfc_sizes(isa, dtype, n, threads):
    x = _data(n, dtype, seed=n, scale=4.0)
    _assert_ulp(MOD[dtype].unary(isa, "erfc", x), _erfc_correctly_rounded(x), 1)


TRIG = {"sin": math.sin, "cos": math.cos, "tan": math.tan}


def _trig_correctly_rounded(op, x):
    """The C library's sin/cos/tan of x in double, rounded once to x's dtype (inf -> NaN)."""
    f = TRIG[op]
    # (signalling NaNs among the bit patterns; tan near a pole past float32's range)
    with np.errstate(over="ignore", invalid="ignore"):
        v = [f(a) if math.isfinite(a) else math.nan for a in x.astype(np.float64).tolist()]
        return np.array(v).astype(x.dtype)


def _trig_points(dtype):
    """Bit patterns over the whole range; a dense [-10, 10]; the floats nearest k pi/2 (where
    the reduction cancels most: r is tiny) and their neighbours, up to and past the float32
    kernel's 2^26 limit, where lanes go to the C library; specials."""
    k = np.concatenate([np.arange(1, 2000), np.geomspace(2000, 2**30, 3000).round()])
    near = (k * (np.pi / 2)).astype(dtype)
    near = np.concatenate([near, np.nextafter(near, np.array(0, dtype)), np.nextafter(near, np.array(np.inf, dtype))])
    lim = np.array([2.0**26], dtype)
    lim = np.concatenate([lim, np.nextafter(lim, np.array(0, dtype)), np.nextafter(lim, np.array(np.inf, dtype))])
    x = np.concatenate([_sweep(dtype, 1 << 16, seed=7), np.linspace(-10, 10, 100001, dtype=dtype), near,
                        lim, np.geomspace(np.finfo(dtype).smallest_subnormal, 1, 2000, dtype=dtype)])
    return np.concatenate([x, -x, _specials(dtype)])


@pytest.mark.parametrize("op", sorted(TRIG))
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_trig_whole_range(isa, dtype, op):
    """float32 (Note [Sin and cos]: double lanes, rounded once; the C library past 2^26) and
    float64 (the C library per lane): within 1 ulp of the correctly rounded result; sin and tan
    odd and cos even, exactly; sin(-0) = tan(-0) = -0; inf and NaN give NaN."""
    x = _trig_points(dtype)
    with np.errstate(invalid="ignore"):
        got = MOD[dtype].unary(isa, op, x)
    _assert_ulp(got, _trig_correctly_rounded(op, x), 1)
    neg = MOD[dtype].unary(isa, op, -x)
    ok = ~np.isnan(got)
    want_neg = got if op == "cos" else -got
    assert np.array_equal(neg[ok], want_neg[ok]) and np.array_equal(np.signbit(neg[ok]), np.signbit(want_neg[ok]))
    sp = MOD[dtype].unary(isa, op, np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype))
    np.testing.assert_array_equal(sp, [1.0, 1.0] + [np.nan] * 3 if op == "cos" else [0.0, -0.0] + [np.nan] * 3)
    if op != "cos":
        assert not np.signbit(sp[0]) and np.signbit(sp[1])


@pytest.mark.parametrize("op", sorted(TRIG))
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_trig_sizes(isa, dtype, n, threads, op):
    x = _data(n, dtype, seed=n, scale=50.0)
    with np.errstate(invalid="ignore"):
        _assert_ulp(MOD[dtype].unary(isa, op, x), _trig_correctly_rounded(op, x), 1)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_atan_whole_range(isa, dtype):
    """float32 (Note [Atan]: double lanes, rounded once) and float64 (the C library per lane):
    within 1 ulp of the correctly rounded result; odd, exactly; atan(-0) = -0, atan(+-inf) =
    +-pi/2 rounded, NaN stays NaN."""
    brk = np.array([1.0, 0.2679491924311227, 1e-8, 1e8], dtype)
    brk = np.concatenate([brk, np.nextafter(brk, np.array(0, dtype)), np.nextafter(brk, np.array(np.inf, dtype))])
    x = np.concatenate([_trig_points(dtype), brk, -brk])
    got = MOD[dtype].unary(isa, "atan", x)
    with np.errstate(invalid="ignore"):
        want = np.array([math.atan(v) for v in x.astype(np.float64).tolist()]).astype(dtype)
    _assert_ulp(got, want, 1)
    neg = MOD[dtype].unary(isa, "atan", -x)
    ok = ~np.isnan(got)
    assert np.array_equal(neg[ok], -got[ok]) and np.array_equal(np.signbit(neg[ok]), ~np.signbit(got[ok]))
    sp = MOD[dtype].unary(isa, "atan", np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype))
    np.testing.assert_array_equal(sp, np.array([0.0, -0.0, math.pi / 2, -math.pi / 2, np.nan]).astype(dtype))
    assert not np.signbit(sp[0]) and np.signbit(sp[1])


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_atan_sizes(isa, dtype, n, threads):
    x = _data(n, dtype, seed=n, scale=3.0)
    with np.errstate(invalid="ignore"):
        want = np.array([math.atan(v) for v in x.astype(np.float64).tolist()]).astype(dtype)
    _assert_ulp(MOD[dtype].unary(isa, "atan", x), want, 1)


# ---- binary ----------------------------------------------------------------------------------

def _np_binary(op, a, b):
    with np.errstate(all="ignore"):
        return {
            "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
            "max": np.maximum, "min": np.minimum,
            "relu_grad": lambda g, x: np.where(x > 0, g, np.zeros_like(g)),
            "leaky_relu": lambda x, al: np.where(x > 0, x, x * al),
        }[op](a, b)


BCAST = [(1, 1), (0, 1), (1, 0), (0, 0)]  # (a full?, b full?): 0 means a length-1 operand


_BCAST_IDS = dict(zip(BCAST, ["same", "scalar_a", "scalar_b", "both_scalar"]))
# Every (op, n, bcast) combination, less those that can't exist (a length-1 operand with n = 0)
# and, at the 10^6+3 size, the ones whose code path the smaller sizes already cover.
_BINARY_CASES = [
    (op, n, bc)
    for op in ["add", "sub", "mul", "div", "max", "min", "relu_grad", "leaky_relu"]
    for n in SIZES
    for bc in BCAST
    if not (n == 0 and bc != (1, 1)) and not (n == BIG and (bc == (0, 0) or op in ("sub", "div")))
]


@pytest.mark.parametrize("op, n, bcast", _BINARY_CASES,
                         ids=[f"{op}-{n}-{_BCAST_IDS[bc]}" for op, n, bc in _BINARY_CASES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_binary(isa, dtype, op, n, bcast, threads):
    a = _data(n if bcast[0] else 1, dtype, seed=n)
    b = _data(n if bcast[1] else 1, dtype, seed=n + 7)
    got = MOD[dtype].binary(isa, op, a, b)
    want = _np_binary(op, a, b)
    assert np.array_equal(got, want, equal_nan=True)
    _assert_bits_equal(got, MOD[dtype].binary("scalar", op, a, b))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_maximum_minimum_propagate_nan_from_either_side(isa, dtype):
    a = np.array([np.nan, 1, np.nan, -np.inf, 0.0, -0.0] * 5, dtype)
    b = np.array([1, np.nan, np.nan, np.nan, -0.0, 0.0] * 5, dtype)
    for op, f in [("max", np.maximum), ("min", np.minimum)]:
        got = MOD[dtype].binary(isa, op, a, b)
        assert np.array_equal(np.isnan(got), np.isnan(f(a, b)))
        assert np.array_equal(got, f(a, b), equal_nan=True)


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 17, 1009, BIG])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_pow(isa, dtype, n, threads):
    rng = np.random.default_rng(n)
    a = np.abs(_data(n, dtype, seed=n))
    b = (rng.standard_normal(n) * 3).astype(dtype)
    with np.errstate(all="ignore"):
        _assert_ulp(MOD[dtype].binary(isa, "pow", a, b), np.power(a, b), 1)
        if n == 0:
            return
        # exponent a scalar 2: exactly a * a (numpy's square fast path)
        x = _data(n, dtype, seed=n + 1)
        got = MOD[dtype].binary(isa, "pow", x, np.array([2], dtype))
        if isa != "scalar":
            _assert_bits_equal(got, x * x)
        _assert_ulp(got, np.power(x, dtype(2)), 1)
        _assert_ulp(MOD[dtype].binary(isa, "pow", np.abs(x), np.array([0.5], dtype)),
                    np.power(np.abs(x), dtype(0.5)), 1)


# ---- ternary masks ---------------------------------------------------------------------------

@pytest.mark.parametrize("full", [(1, 1, 1), (1, 0, 1), (1, 1, 0), (0, 1, 1), (0, 0, 1)])
@pytest.mark.parametrize("n", [1, 7, 8, 9, 16, 17, 33, 1009, BIG])
@pytest.mark.parametrize("op", ["mask_ge", "mask_gt"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_ternary(isa, dtype, op, n, full, threads):
    g = _data(n if full[0] else 1, dtype, seed=n)
    a = np.round(_data(n if full[1] else 1, dtype, seed=n + 1))  # rounding makes ties common
    b = np.round(_data(n if full[2] else 1, dtype, seed=n + 2))
    cmp = np.greater_equal if op == "mask_ge" else np.greater
    with np.errstate(invalid="ignore"):
        want = np.where(cmp(a, b), g, dtype(0)) * np.ones(n, dtype)
    got = MOD[dtype].ternary(isa, op, g, a, b)
    assert np.array_equal(got, want, equal_nan=True)
    _assert_bits_equal(got, MOD[dtype].ternary("scalar", op, g, a, b))


# ---- axpy ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_axpy(isa, dtype, n, threads):
    x = _data(n, dtype, seed=n)
    y = _data(n, dtype, seed=n + 1)
    alpha = dtype(-0.01)
    got = MOD[dtype].axpy(isa, alpha, x, y)
    with np.errstate(all="ignore"):
        exact = y.astype(np.longdouble) + alpha * x.astype(np.longdouble)
        size = np.abs(y.astype(np.longdouble)) + np.abs(alpha * x.astype(np.longdouble))
        err = np.abs(got.astype(np.longdouble) - exact)
    with np.errstate(over="ignore", invalid="ignore"):  # exact values past the dtype's range
        fin = np.isfinite(exact.astype(dtype)) & np.isfinite(size.astype(dtype))
        nan_expected = np.isnan(exact[~fin].astype(dtype))
    # one fma (SIMD) or mul + add (scalar): at most an ulp of the terms' size
    assert np.all(err[fin] <= np.finfo(dtype).eps * size[fin] + np.finfo(dtype).smallest_subnormal)
    assert np.array_equal(np.isnan(got[~fin]), nan_expected)


# ---- reductions ------------------------------------------------------------------------------

# (outer, r, inner): row reductions, column sums (bias gradients), general, awkward widths
SHAPES = [(1, 1, 1), (1, 7, 1), (1, 8, 1), (1, 9, 1), (5, 17, 1), (3, 1009, 1), (1, 1, 13),
          (1, 5, 3), (1, 31, 7), (1, 100, 8), (1, 33, 9), (1, 65, 17), (2, 3, 33), (4, 29, 1000),
          (3, 7, 513), (1, 200, 600), (1, 1000003, 1), (1, 3001, 333), (2, 100001, 3), (7, 1, 5),
          (4000, 257, 1), (1, 4099, 1031)]  # the last: a tile past 16 MiB (deeper prefetch)


@pytest.mark.parametrize("shape", SHAPES, ids=["x".join(map(str, s)) for s in SHAPES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_reduce_sum(isa, dtype, shape, threads):
    o, r, i = shape
    x = np.random.default_rng(r * 31 + i).standard_normal(o * r * i).astype(dtype)
    got = MOD[dtype].reduce(isa, "sum", x, o, r, i).reshape(o, i)
    x3 = x.reshape(shape).astype(np.float64)
    exact = x3.sum(axis=1)
    # A blocked/compensated sum: error of a ~32-term naive sum of |x|-sized terms, plus 2 eps.
    eps = np.finfo(dtype).eps
    tol = 8 * eps * np.sqrt(np.minimum(r, 64)) * np.sqrt((x3**2).sum(axis=1)) + 2 * eps * np.abs(exact)
    assert np.all(np.abs(got - exact) <= tol + np.finfo(dtype).tiny)
    again = MOD[dtype].reduce(isa, "sum", x, o, r, i).reshape(o, i)
    _assert_bits_equal(again, got)  # deterministic for a given thread count


@pytest.mark.parametrize("shape", SHAPES, ids=["x".join(map(str, s)) for s in SHAPES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("op,ref", [("max", np.max), ("min", np.min)])
def test_reduce_max_min(isa, dtype, shape, threads, op, ref):
    o, r, i = shape
    x = np.random.default_rng(r * 31 + i).standard_normal(o * r * i).astype(dtype)
    got = MOD[dtype].reduce(isa, op, x, o, r, i).reshape(o, i)
    np.testing.assert_array_equal(got, ref(x.reshape(shape), axis=1))
    # All equal to +-inf: the identity of the other extreme must not leak into the result.
    for v in (np.inf, -np.inf):
        got = MOD[dtype].reduce(isa, op, np.full(o * r * i, v, dtype), o, r, i)
        np.testing.assert_array_equal(got, np.full(o * i, v, dtype))


@pytest.mark.parametrize("shape", SHAPES, ids=["x".join(map(str, s)) for s in SHAPES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_reduce_prod(isa, dtype, shape, threads):
    o, r, i = shape
    # Factors exp(N(0, 9 / r)): a product of any length stays near e^(+-9), and leaving out or
    # doubling any one factor moves it by ~3 / sqrt(r), far past the rounding tolerance.
    rng = np.random.default_rng(r * 17 + i)
    x = np.exp(rng.standard_normal(o * r * i) * 3 / np.sqrt(r)).astype(dtype)
    got = MOD[dtype].reduce(isa, "prod", x, o, r, i).reshape(o, i).astype(np.float64)
    exact = np.prod(x.reshape(shape).astype(np.longdouble), axis=1)
    # r correctly rounded multiplies: a random walk of r half-ulp errors, bounded generously.
    eps = np.finfo(dtype).eps
    err = np.abs((got - exact) / exact).astype(np.float64)
    assert np.all(err <= 8 * np.sqrt(r) * eps + 2 * eps), err.max()
    again = MOD[dtype].reduce(isa, "prod", x, o, r, i).reshape(o, i)
    _assert_bits_equal(again, got.astype(dtype))  # deterministic for a given thread count


@pytest.mark.parametrize("shape", [(1, 9, 1), (1, 1000003, 1), (3, 33, 1), (1, 37, 17), (2, 5000, 3)])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_reduce_prod_zero_nan_inf(isa, dtype, shape, threads):
    o, r, i = shape
    x3 = np.ones(shape, dtype)
    x3[0, r // 2, 0] = 0.0          # a zero: that column's product is 0
    x3[-1, r - 1, -1] = np.nan      # a NaN (in the tail lanes when r is not a vector multiple)
    if i > 1:
        x3[0, 0, 1] = np.inf        # inf times ones: inf; inf times zero: NaN
        x3[0, r - 1, 1] = 0.0 if r > 1 else np.inf
    got = MOD[dtype].reduce(isa, "prod", x3.ravel(), o, r, i).reshape(o, i)
    with np.errstate(invalid="ignore"):
        want = np.prod(x3, axis=1)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", [(1, 9, 1), (1, 1000003, 1), (3, 33, 1), (1, 37, 17), (2, 5000, 3)])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_reduce_nan_inf_propagate(isa, dtype, shape, threads):
    o, r, i = shape
    rng = np.random.default_rng(r)
    x = rng.standard_normal(o * r * i).astype(dtype)
    x[rng.integers(0, x.size, 3)] = np.nan
    x[rng.integers(0, x.size, 3)] = np.inf
    x[rng.integers(0, x.size, 3)] = -np.inf
    x3 = x.reshape(shape)
    for op, f in [("sum", np.sum), ("max", np.max), ("min", np.min)]:
        got = MOD[dtype].reduce(isa, op, x, o, r, i).reshape(o, i)
        with np.errstate(invalid="ignore"):
            want = f(x3.astype(np.float64), axis=1)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        fin = np.isinf(want)
        assert np.array_equal(got[fin], want[fin])


@pytest.mark.parametrize("layout", ["row", "column"])
def test_float32_sum_of_10m_is_as_accurate_as_pairwise(isa, layout, threads):
    # Positive data makes a naive float32 running sum lose ~everything past 2^24; numpy's
    # pairwise row sum stays near eps * log2(n). Ours must be at least as good as numpy's.
    n = 10**7
    x = np.random.default_rng(7).random(n, dtype=np.float32)
    if layout == "row":
        shape, axis = (1, n, 1), 0
    else:
        shape, axis = (1, n // 4, 4), 0
    exact = x.astype(np.float64).reshape(shape[1:]).sum(axis=axis)
    got = K.f32.reduce(isa, "sum", x, *shape).astype(np.float64)
    rel = np.abs(got - exact) / exact
    assert rel.max() < 1e-6, rel
    if layout == "row":
        np_rel = abs(float(x.sum()) - exact[0]) / exact[0]
        assert rel.max() <= max(2 * np_rel, 2 * np.finfo(np.float32).eps)


def test_sum_threads_are_deterministic_and_close():
    x = np.random.default_rng(3).standard_normal(3 * 10**6).astype(np.float32)
    res = {}
    old = _core.get_num_threads()
    try:
        for t in (1, 2):
            _core.set_num_threads(t)
            for isa in ISAS:
                a = K.f32.reduce(isa, "sum", x, 1, x.size, 1)
                b = K.f32.reduce(isa, "sum", x, 1, x.size, 1)
                _assert_bits_equal(a, b)
                res[t, isa] = float(a[0])
    finally:
        _core.set_num_threads(old)
    exact = x.astype(np.float64).sum()
    for v in res.values():
        assert abs(v - exact) <= 1e-6 * np.abs(x).astype(np.float64).sum()


# ---- threads give the same bits --------------------------------------------------------------

def test_elementwise_bits_do_not_depend_on_threads(isa):
    old = _core.get_num_threads()
    x = _data(BIG, np.float32, seed=11, scale=10)
    y = _data(BIG, np.float32, seed=12)
    out = {}
    try:
        for t in (1, 2):
            _core.set_num_threads(t)
            out[t] = [K.f32.unary(isa, op, x) for op in ("exp", "tanh", "relu", "sigmoid")] + \
                     [K.f32.binary(isa, "add", x, y), K.f32.axpy(isa, np.float32(0.5), x, y),
                      K.f32.softmax(isa, x[:10**6].reshape(1000, 1000), False)]
    finally:
        _core.set_num_threads(old)
    for a, b in zip(out[1], out[2]):
        _assert_bits_equal(a, b)


# ---- softmax ---------------------------------------------------------------------------------

def _softmax64(x, log):
    x = x.astype(np.float64)
    m = np.max(np.where(np.isnan(x), -np.inf, x), axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(all="ignore"):
        e = np.exp(x - m)
        s = e.sum(axis=1, keepdims=True)
        return (x - m - np.log(s)) if log else e / s


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (3, 8), (5, 9), (2, 17), (4, 33), (64, 10),
                                   (7, 1009), (1, 100003), (300, 700)])
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_softmax(isa, dtype, log, shape, threads):
    x = (np.random.default_rng(shape[1]).standard_normal(shape) * 10).astype(dtype)
    got = MOD[dtype].softmax(isa, x, log)
    want = _softmax64(x, log)
    eps = np.finfo(dtype).eps
    # x - max is rounded (error eps |x - max|), which exp turns into a relative error.
    spread = np.abs(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    if log:
        tol = 8 * eps * (spread + np.sqrt(shape[1]) + 1)  # the scalar sum is a naive double one
    else:
        tol = 4 * eps * (spread + 4 + np.sqrt(shape[1])) * np.abs(want) + np.finfo(dtype).tiny
    assert np.all(np.abs(got - want) <= tol)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_softmax_special_rows(isa, dtype):
    inf, nan = np.inf, np.nan
    x = np.array([[-inf] * 9, [0, -inf, 1, -inf, 2, 3, 4, 5, 6], [nan, 0, 1, 2, 3, 4, 5, 6, 7],
                  [1e30, 1e30, 0, 0, 0, 0, 0, 0, -1e30], [inf, 0, 0, 0, 0, 0, 0, 0, 0]], dtype)
    for log in (False, True):
        got = MOD[dtype].softmax(isa, x, log)
        want = MOD[dtype].softmax("scalar", x, log)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=8 * np.finfo(dtype).eps)
    sm = MOD[dtype].softmax(isa, x[1:2], False)
    assert sm[0, 1] == 0 and sm[0, 3] == 0 and abs(sm.sum() - 1) < 1e-6


# ---- act_grad (nn.linear backward) -----------------------------------------------------------

def _act_deriv(act, y):
    return {"none": np.ones_like(y), "relu": (y > 0).astype(y.dtype),
            "sigmoid": y * (1 - y), "tanh": 1 - y * y}[act]


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (3, 7), (5, 8), (9, 17), (33, 3), (64, 100),
                                   (100, 513), (1000, 1), (3000, 700), (20000, 10)])
@pytest.mark.parametrize("act", ["none", "relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_act_grad(isa, dtype, act, shape, threads):
    rng = np.random.default_rng(shape[0] * 7 + shape[1])
    g = rng.standard_normal(shape).astype(dtype)
    y = rng.uniform(-1, 1, shape).astype(dtype)
    if act == "relu":
        y[rng.random(shape) < 0.2] = 0
    gout, db = MOD[dtype].act_grad(isa, act, g, y, True)
    g64, y64 = g.astype(np.float64), y.astype(np.float64)
    want = g64 * _act_deriv(act, y64)
    eps = np.finfo(dtype).eps
    # act'(y) is 1 - y*y or y*(1 - y) rounded: an error of a few eps of |g| (1 + |y|)^2
    tol_g = 4 * eps * np.abs(g64) * (1 + np.abs(y64)) ** 2
    assert np.all(np.abs(gout - want) <= tol_g)
    # blocked column sums (32-row naive blocks, compensated across blocks), plus gout's error
    tol = 6 * eps * np.sqrt(32) * np.sqrt((want**2).sum(axis=0)) + 4 * eps * np.abs(want.sum(axis=0)) \
        + tol_g.sum(axis=0)
    assert np.all(np.abs(db - want.sum(axis=0)) <= tol + 1e-30)
    gout2, none = MOD[dtype].act_grad(isa, act, g, y, False)
    assert none is None
    _assert_bits_equal(gout2, gout)


@pytest.mark.parametrize("op", ["add", "max", "relu_grad"])
def test_binary_past_the_streaming_size(isa, op, threads):
    # outputs >= 16 MB use non-temporal stores after an aligned head; offset views make the
    # head non-empty for the inputs while the output stays numpy-aligned
    n = (16 << 20) // 4 + 13
    a = _data(n + 1, np.float32, seed=5)[1:]
    b = _data(n + 1, np.float32, seed=6)[1:]
    for bb in (b, b[:1]):
        got = K.f32.binary(isa, op, a, bb)
        assert np.array_equal(got, _np_binary(op, a, bb), equal_nan=True)


@pytest.mark.parametrize("op", ["relu", "neg", "exp", "sigmoid"])
def test_unary_past_the_streaming_size(isa, op, threads):
    # outputs >= 16 MB (per thread share) use non-temporal stores after a masked head that
    # aligns the output; a 2-thread split puts the second chunk's output off alignment. Values
    # must be bitwise those of the same kernel on pieces small enough for ordinary stores.
    n = (16 << 20) // 4 + 13
    x = _data(n + 1, np.float32, seed=7)[1:]
    got = K.f32.unary(isa, op, x)
    step = (1 << 20) + 3
    want = np.concatenate([K.f32.unary(isa, op, x[i:i + step]) for i in range(0, n, step)])
    assert np.array_equal(got, want, equal_nan=True)


# ---- cumulative sums (Note [Scans]) -------------------------------------------------------------

SCAN_SHAPES = [(1, 1, 1), (1, 9, 1), (5, 17, 1), (4000, 257, 1), (1, 1000003, 1), (1, 5, 3),
               (1, 31, 7), (1, 100, 8), (1, 33, 9), (2, 3, 33), (1, 65, 17), (3, 7, 513),
               (4, 29, 1000), (1, 3001, 333), (2, 100001, 3), (7, 1, 5), (3, 0, 4)]


def _np_scan(x3, exclusive, reverse, op="cumsum"):
    """numpy's running sum (product) along axis 1 in the array's dtype (the order TF and ours
    use)."""
    y = np.flip(x3, 1) if reverse else x3
    c = getattr(np, op)(y, axis=1, dtype=x3.dtype)
    if exclusive:
        first = np.zeros_like(c[:, :1]) if op == "cumsum" else np.ones_like(c[:, :1])
        c = np.concatenate([first, c[:, :-1]], axis=1)
    return np.flip(c, 1) if reverse else c


@pytest.mark.parametrize("shape", SCAN_SHAPES, ids=["x".join(map(str, s)) for s in SCAN_SHAPES])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("exclusive", [False, True], ids=["incl", "excl"])
@pytest.mark.parametrize("reverse", [False, True], ids=["fwd", "rev"])
@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
def test_scan_is_numpys_running_sum_or_product_bit_for_bit(isa, dtype, shape, threads, exclusive,
                                                            reverse, op):
    o, r, i = shape
    x = np.random.default_rng(r * 31 + i).standard_normal(o * r * i).astype(dtype)
    if op == "cumprod":
        x = (1 + x * dtype(0.01)).astype(dtype)  # products that stay in range for a while
    got = MOD[dtype].scan(isa, op, x, o, r, i, exclusive, reverse)
    with np.errstate(over="ignore", under="ignore"):
        want = _np_scan(x.reshape(shape), exclusive, reverse, op)
    _assert_bits_equal(got.reshape(shape), want)


@pytest.mark.parametrize("shape", [(1, 40, 1), (3, 50, 17), (1, 1000, 130)])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_scan_nan_inf_zero_propagate(isa, dtype, shape, threads):
    o, r, i = shape
    rng = np.random.default_rng(r)
    x = rng.standard_normal(o * r * i).astype(dtype)
    for v in (np.nan, np.inf, -np.inf, np.inf, 0.0):
        x[rng.integers(0, x.size, 2)] = v
    for op in ("cumsum", "cumprod"):
        for exclusive in (False, True):
            for reverse in (False, True):
                got = MOD[dtype].scan(isa, op, x, o, r, i, exclusive, reverse).reshape(shape)
                with np.errstate(invalid="ignore", over="ignore", under="ignore"):
                    want = _np_scan(x.reshape(shape), exclusive, reverse, op)
                np.testing.assert_array_equal(got, want)
