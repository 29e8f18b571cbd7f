"""TF's special functions (tapegrad/_special.py): tf.math.lgamma, digamma, polygamma, zeta,
erfinv, erfcinv, ndtri, lbeta, betainc, igamma, igammac, bessel_i0/i0e/i1/i1e and the
tf.math.special namespace (Bessel J/Y/K, dawsn, expint, fresnel_cos/sin, spence).

Forward values are checked against special_values.json: mpmath at 50-80 digits at points
chosen in every branch of the implementation, in the tails and next to zeros and poles
(regenerate with ``python tests/ops/test_special.py --regenerate``; mpmath, a test dependency, is
needed for that and for the extra random-point tests). Then identities (with
hypothesis), TF's edge values, the standard gradient / second-order checks against finite
differences, broadcasting, dtypes and bad input."""

import json
import math
import pathlib
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from opcases import Case, define_tests

HERE = pathlib.Path(__file__).parent
TABLE = HERE / "special_values.json"

# -- the reference table --------------------------------------------------------------------------

POINTS = {
    "lgamma": [1e-300, 1e-10, 0.1, 0.2499, 0.25, 0.5, 0.7499, 0.75, 0.999, 1 - 1e-9, 1 + 1e-9, 1.2499,
               1.25, 1.5, 1.9999999, 2.0000001, 2.4999, 2.5, 3.7, 9.99, 10.01, 33.3, 171.5, 1e5,
               1e20, 1e300, -1e-10, -0.5, -1.5, -2.5, -10.3, -100.7, -170.5],
    "digamma": [1e-300, 1e-5, 0.3, 1.0, 1.2, 1.1616, 1.4616321449683622, 1.46163214496836,
                1.5, 1.7616, 1.77, 2.0, 5.5, 9.9, 10.1, 100.0, 1e10, 1e300, -1e-8, -0.5, -1.3, -7.9,
                -100.25],
    "polygamma": [(1, 0.5), (1, 1.0), (1, 1e-5), (2, 3.3), (3, 0.1), (5, 10.0), (10, 2.5),
                  (1, -0.5), (2, -1.7), (4, -3.2), (20, 1.5), (50, 30.0), (1, 1e10), (2, 1e5),
                  (3, -70.3), (120, -80.6)],
    "zeta": [(2.0, 1.0), (1.5, 0.5), (1.0001, 1.0), (3.0, 0.001), (10.0, 2.0), (50.0, 1.5),
             (2.0, 1e6), (7.5, 100.0), (18.75, 209.75), (2.0, -0.5), (3.0, -1.5), (4.0, -100.25),
             (2.0, -999999.5), (100.0, 3.0), (1.2, 1e-10), (5.0, 1e-3)],
    "erfinv": [0.0, 1e-300, 1e-10, 0.1, 0.4999, 0.5, 0.9, 0.999999, 1 - 1e-15, 1 - 2 ** -53, -0.3,
               -0.99999999],
    "erfcinv": [1e-320, 1e-300, 1e-100, 1e-20, 0.01, 0.5, 0.9, 1.0, 1.1, 1.5, 1.9999, 2 - 1e-15],
    "ndtri": [5e-324, 1e-300, 1e-50, 1e-10, 0.025, 0.3, 0.5, 0.75, 0.975, 1 - 1e-10, 1 - 2 ** -53],
    "igamma": [(0.5, 0.1), (1.0, 1.0), (1e-10, 0.5), (1e-3, 2.0), (2.5, 0.01), (3.0, 3.0),
               (10.0, 5.0), (10.0, 25.0), (50.0, 48.0), (100.0, 150.0), (1000.0, 990.0),
               (1e4, 10050.0), (0.5, 50.0), (30.0, 1.0), (200.0, 120.0), (1.1, 1.05),
               (1e6, 1001000.0), (1e8, 99990000.0)],
    "betainc": [(0.5, 0.5, 0.3), (1.0, 1.0, 0.7), (2.0, 3.0, 0.4), (10.0, 10.0, 0.5),
                (0.01, 5.0, 0.2), (5.0, 0.01, 0.99), (100.0, 200.0, 0.3), (1000.0, 1000.0, 0.49),
                (1e4, 2e4, 0.34), (3.0, 7.0, 1e-10), (3.0, 7.0, 1 - 1e-10), (0.3, 400.0, 1e-3),
                (25.0, 0.7, 0.97)],
    "bessel_i": [0.0, 1e-10, 0.5, 1.0, 5.0, 19.9, 20.1, 50.0, 100.0, 700.0, -3.0, -25.0],
    "bessel_k": [1e-10, 0.1, 1.0, 1.99, 2.01, 5.0, 19.9, 20.1, 100.0, 700.0],
    "bessel_jy": [1e-10, 0.5, 2.404825557695773, 3.9, 4.1, 10.0, 24.9, 25.1, 100.0, 1e4],
    "dawsn": [0.0, 1e-10, 0.1, 0.2, 0.5, 0.9241388730, 2.0, 5.0, 10.0, 100.0, 1e5, -3.0],
    "expint": [1e-10, 0.1, 0.3725, 1.0, 5.0, 40.0, 49.9, 50.1, 100.0, 500.0, 700.0],
    "fresnel": [0.0, 1e-10, 0.5, 1.0, 1.49, 1.51, 2.5, 5.0, 10.0, 100.3, 10000.37, -2.0],
    "spence": [0.0, 1e-10, 0.1, 0.5, 0.999, 1.0, 1.001, 1.5, 2.0, 10.0, 1e10],
}


def _generate_reference():
    """mpmath values at POINTS (run: python tests/ops/test_special.py --regenerate)."""
    import mpmath as mp

    mp.mp.dps = 80

    def f(v):
        return float(v)

    def P_series(a, x):
        return mp.exp(a * mp.log(x) - x - mp.loggamma(a + 1)) * mp.hyp1f1(1, a + 1, x, maxterms=10 ** 8)

    def P(a, x):
        a, x = mp.mpf(a), mp.mpf(x)
        return P_series(a, x) if x < a + 1 else 1 - Q(a, x)

    def Q(a, x):
        a, x = mp.mpf(a), mp.mpf(x)
        if x >= a + 1:
            try:
                return mp.exp(-x + a * mp.log(x) - mp.loggamma(a)) * mp.hyperu(1, 1 + a, x)
            except mp.libmp.NoConvergence:
                pass
        return 1 - P_series(a, x)

    def near(points, fn):
        return [[p if isinstance(p, (list, tuple)) else [p], f(fn(*(p if isinstance(p, (list, tuple)) else [p])))]
                for p in points]

    out = {}
    mpf = mp.mpf
    out["lgamma"] = near(POINTS["lgamma"], lambda x: mp.re(mp.loggamma(mpf(x))))
    out["digamma"] = near(POINTS["digamma"], lambda x: mp.digamma(mpf(x)))
    def zeta(x, q):
        return _zeta_far(mp, x, q) if q < -50 else mp.re(mp.zeta(mpf(x), mpf(q)))
    out["polygamma"] = near(POINTS["polygamma"], lambda n, x: (-1) ** (n + 1) * mp.factorial(n) * zeta(n + 1, x))
    out["zeta"] = near(POINTS["zeta"], zeta)
    out["erfinv"] = near(POINTS["erfinv"], lambda x: mp.erfinv(mpf(x)))

    def erfcinv(z):
        z = mpf(z)
        if z > mpf(10) ** -30:
            return mp.erfinv(1 - z)
        return mp.findroot(lambda y: mp.log(mp.erfc(y)) - mp.log(z), mp.sqrt(-mp.log(z)))
    out["erfcinv"] = near(POINTS["erfcinv"], erfcinv)
    out["ndtri"] = near(POINTS["ndtri"], lambda p: -mp.sqrt(2) * erfcinv(2 * mpf(p)))
    out["igamma"] = [[list(p), f(P(*p)), f(Q(*p)), f(mp.diff(lambda a: P(a, p[1]), p[0]))]
                     for p in POINTS["igamma"] if p[0] <= 1e4]
    out["igamma"] += [[list(p), f(P(*p)), f(Q(*p)), None] for p in POINTS["igamma"] if p[0] > 1e4]
    def betainc(a, b, x):
        # x^a (1-x)^b / (a B(a, b)) 2F1(a + b, 1; a + 1; x): positive terms (mpmath's own
        # betainc cancels for large b); the smaller tail by symmetry.
        a, b, x = mpf(a), mpf(b), mpf(x)
        if x > a / (a + b):
            return 1 - betainc(b, a, 1 - x)
        lb = mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
        return mp.exp(a * mp.log(x) + b * mp.log1p(-x) - lb) / a * mp.hyp2f1(a + b, 1, a + 1, x, maxterms=10 ** 7)
    out["betainc"] = near(POINTS["betainc"], betainc)
    out["bessel_i"] = [[[x], f(mp.besseli(0, x)), f(mp.besseli(1, x)),
                        f(mp.besseli(0, x) * mp.exp(-abs(mpf(x)))), f(mp.besseli(1, x) * mp.exp(-abs(mpf(x))))]
                       for x in POINTS["bessel_i"]]
    out["bessel_k"] = [[[x], f(mp.besselk(0, x)), f(mp.besselk(1, x)), f(mp.besselk(0, x) * mp.exp(x)),
                        f(mp.besselk(1, x) * mp.exp(x))] for x in POINTS["bessel_k"]]
    out["bessel_jy"] = [[[x], f(mp.besselj(0, x)), f(mp.besselj(1, x)), f(mp.bessely(0, x)),
                         f(mp.bessely(1, x))] for x in POINTS["bessel_jy"]]
    out["dawsn"] = near(POINTS["dawsn"], lambda x: mp.sqrt(mp.pi) / 2 * mp.exp(-mpf(x) ** 2) * mp.erfi(x))
    out["expint"] = near(POINTS["expint"], lambda x: mp.ei(mpf(x)))
    out["fresnel"] = [[[x], f(mp.fresnelc(x)), f(mp.fresnels(x))] for x in POINTS["fresnel"]]
    out["spence"] = near(POINTS["spence"], lambda x: mp.polylog(2, 1 - mpf(x)))
    return out


def _zeta_far(mp, x, q):
    """zeta(x, q) for q far below 0 (mpmath's zeta is unreliable there): the direct sum up to
    k with q + k = 10**5, then mpmath's zeta for the rest (q > 0 there)."""
    x, q = int(x), mp.mpf(q)
    n = int(mp.ceil(10 ** 5 - q))
    head = mp.fsum((q + k) ** -x for k in range(n))
    return head + mp.zeta(x, q + n)


def _table():
    return json.loads(TABLE.read_text())


REF = _table() if TABLE.exists() else {}


def _check(name, got, want, rtol, atol=0.0):
    got, want = np.asarray(got, float), np.asarray(want, float)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    err = np.abs(got - want)
    ok = same | (err <= atol + rtol * np.abs(want))
    assert ok.all(), (f"{name}: got {got[~ok]} want {want[~ok]} (relative error "
                      f"{(err / np.abs(want))[~ok]})")


def _f64(fn, *args):
    return fn(*[tf.constant(np.asarray(a, np.float64)) for a in args]).numpy()


# -- forward values against mpmath ----------------------------------------------------------------

def test_table_covers_every_point():
    assert set(REF) == set(POINTS), "special_values.json is stale: regenerate it"
    for k in ("lgamma", "digamma", "erfinv", "ndtri", "zeta", "betainc"):
        assert len(REF[k]) == len(POINTS[k])


@pytest.mark.parametrize("name,fn,rtol,atol", [
    ("lgamma", tf.math.lgamma, 4e-16, 2e-15),        # atol: the negative x (reflection)
    ("digamma", tf.math.digamma, 2e-15, 1e-15),
    ("erfinv", tf.math.erfinv, 4e-16, 0.0),
    ("erfcinv", tf.math.erfcinv, 4e-16, 0.0),
    ("ndtri", tf.math.ndtri, 4e-16, 0.0),
    ("dawsn", tf.math.special.dawsn, 2e-15, 0.0),
    ("expint", tf.math.special.expint, 2e-15, 1e-16),
    ("spence", tf.math.special.spence, 1e-15, 0.0),
])
def test_unary_values_against_mpmath(name, fn, rtol, atol):
    rows = REF[name]
    x = np.array([r[0][0] for r in rows])
    want = np.array([r[1] for r in rows])
    _check(name, _f64(fn, x), want, rtol, atol)


def test_lgamma_is_relatively_accurate_next_to_its_zeros():
    # lgamma(1 + e) ~ -0.5772 e and lgamma(2 + e) ~ 0.4228 e: a 1-ulp-of-lgamma(x+n) method would
    # be wrong in every digit here.
    rows = [r for r in REF["lgamma"] if abs(r[0][0] - 1) < 1e-6 or abs(r[0][0] - 2) < 1e-6]
    assert len(rows) == 4
    x = np.array([r[0][0] for r in rows])
    _check("lgamma near 1, 2", _f64(tf.math.lgamma, x), [r[1] for r in rows], 4e-16)


def test_digamma_is_relatively_accurate_at_its_zero():
    rows = [r for r in REF["digamma"] if abs(r[0][0] - 1.4616321449683622) < 1e-10]
    assert len(rows) == 2 and all(abs(r[1]) < 1e-14 for r in rows)
    _check("digamma at x0", _f64(tf.math.digamma, [r[0][0] for r in rows]), [r[1] for r in rows], 1e-12)


def test_polygamma_and_zeta_against_mpmath():
    rows = REF["polygamma"]
    got = _f64(tf.math.polygamma, [r[0][0] for r in rows], [r[0][1] for r in rows])
    _check("polygamma", got, [r[1] for r in rows], 2e-15)
    rows = REF["zeta"]
    got = _f64(tf.math.zeta, [r[0][0] for r in rows], [r[0][1] for r in rows])
    _check("zeta", got, [r[1] for r in rows], 5e-15)   # q < 0: alternating terms


def test_igamma_igammac_and_their_a_derivative_against_mpmath():
    rows = REF["igamma"]
    a = np.array([r[0][0] for r in rows])
    x = np.array([r[0][1] for r in rows])
    _check("igamma", _f64(tf.math.igamma, a, x), [r[1] for r in rows], 2e-14)
    _check("igammac", _f64(tf.math.igammac, a, x), [r[2] for r in rows], 2e-14)
    with_d = [i for i, r in enumerate(rows) if r[3] is not None]
    at, xt = tf.constant(a[with_d]), tf.constant(x[with_d])
    with tf.GradientTape() as g:
        g.watch(at)
        y = tf.math.igamma(at, xt)
    _check("d igamma / da", g.gradient(y, at).numpy(), [rows[i][3] for i in with_d], 1e-13, 1e-16)


def test_betainc_against_mpmath():
    rows = REF["betainc"]
    cols = [np.array([r[0][k] for r in rows]) for k in range(3)]
    _check("betainc", _f64(tf.math.betainc, *cols), [r[1] for r in rows], 2e-14)


def test_bessel_functions_against_mpmath():
    x = np.array([r[0][0] for r in REF["bessel_i"]])
    for k, fn in enumerate([tf.math.bessel_i0, tf.math.bessel_i1, tf.math.bessel_i0e, tf.math.bessel_i1e], 1):
        _check(fn.__name__, _f64(fn, x), [r[k] for r in REF["bessel_i"]], 2e-15)
    x = np.array([r[0][0] for r in REF["bessel_k"]])
    sp = tf.math.special
    for k, fn in enumerate([sp.bessel_k0, sp.bessel_k1, sp.bessel_k0e, sp.bessel_k1e], 1):
        _check(fn.__name__, _f64(fn, x), [r[k] for r in REF["bessel_k"]], 2e-15)
    x = np.array([r[0][0] for r in REF["bessel_jy"]])
    for k, fn in enumerate([sp.bessel_j0, sp.bessel_j1, sp.bessel_y0, sp.bessel_y1], 1):
        # absolute error near the zeros (2.4048 is J0's first one), relative elsewhere
        _check(fn.__name__, _f64(fn, x), [r[k] for r in REF["bessel_jy"]], 2e-15, 4e-16)


def test_fresnel_against_mpmath():
    x = np.array([r[0][0] for r in REF["fresnel"]])
    _check("fresnel_cos", _f64(tf.math.special.fresnel_cos, x), [r[1] for r in REF["fresnel"]], 2e-15, 2e-16)
    _check("fresnel_sin", _f64(tf.math.special.fresnel_sin, x), [r[2] for r in REF["fresnel"]], 2e-15, 2e-16)


@pytest.mark.parametrize("fn", [tf.math.lgamma, tf.math.digamma, tf.math.erfinv, tf.math.ndtri,
                                tf.math.bessel_i1e, tf.math.special.spence, tf.math.special.bessel_y1])
def test_float32_is_the_float64_value_rounded(fn):
    x = np.random.default_rng(0).uniform(0.001, 0.999, 200).astype(np.float32)
    got = fn(tf.constant(x)).numpy()
    assert got.dtype == np.float32
    want = fn(tf.constant(x.astype(np.float64))).numpy().astype(np.float32)
    np.testing.assert_array_equal(got, want)


def test_random_points_against_mpmath():
    import mpmath as mp  # a test dependency (pyproject's [test] extra)
    mp.mp.dps = 40
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(0, 12, 60), 10 ** rng.uniform(-8, 8, 20)])
    _check("lgamma", _f64(tf.math.lgamma, x), [float(mp.loggamma(v)) for v in x], 1e-15)
    _check("digamma", _f64(tf.math.digamma, x), [float(mp.digamma(v)) for v in x], 3e-15)
    p = rng.uniform(-1, 1, 60)
    _check("erfinv", _f64(tf.math.erfinv, p), [float(mp.erfinv(v)) for v in p], 5e-16)
    a, z = 10 ** rng.uniform(-2, 2.5, 60), rng.uniform(0, 3, 60)
    z = a * z
    _check("igamma", _f64(tf.math.igamma, a, z), [float(mp.gammainc(u, 0, v, regularized=True)) for u, v in zip(a, z)],
           1e-13, 1e-300)
    x = rng.uniform(-30, 30, 60)
    _check("bessel_i1e", _f64(tf.math.bessel_i1e, x), [float(mp.besseli(1, v) * mp.exp(-abs(v))) for v in x], 3e-15)


def test_against_the_python_standard_library():
    # math.lgamma (the C library's) at many points, and erf/erfc round trips for the inverses.
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(0.01, 50, 500), 10 ** rng.uniform(-5, 5, 100)])
    np.testing.assert_allclose(_f64(tf.math.lgamma, x), [math.lgamma(v) for v in x], rtol=2e-15, atol=1e-15)
    y = rng.uniform(-5, 5, 300)
    p = np.array([math.erf(v) for v in y])
    keep = np.abs(p) < 0.99  # well conditioned: the round trip recovers y
    np.testing.assert_allclose(_f64(tf.math.erfinv, p[keep]), y[keep], rtol=1e-14)
    q = np.array([math.erfc(v) for v in np.abs(y) + 1])
    np.testing.assert_allclose(_f64(tf.math.erfcinv, q), np.abs(y) + 1, rtol=1e-14)


# -- identities -----------------------------------------------------------------------------------

pos = st.floats(0.01, 80, allow_nan=False)
settings_ = settings(max_examples=60, deadline=None)


@settings_
@given(pos)
def test_digamma_and_lgamma_recurrences(x):
    d0, d1 = _f64(tf.math.digamma, [x, x + 1])
    assert abs(d1 - (d0 + 1 / x)) <= 1e-13 * max(1.0, abs(d1))
    l0, l1 = _f64(tf.math.lgamma, [x, x + 1])
    assert abs(l1 - (l0 + math.log(x))) <= 1e-13 * max(1.0, abs(l1))


@settings_
@given(st.floats(-30, 30).filter(lambda v: abs(v - round(v)) > 1e-3))
def test_gamma_reflection(x):
    l0, l1 = _f64(tf.math.lgamma, [x, 1 - x])
    want = math.log(math.pi / abs(math.sin(math.pi * x)))
    assert abs(l0 + l1 - want) <= 1e-13 * max(1.0, abs(want), abs(l0))


@settings_
@given(st.floats(0.01, 300), st.floats(0.0, 3.0))
def test_igamma_plus_igammac_is_one(a, r):
    x = a * r
    p, q = _f64(tf.math.igamma, a, x), _f64(tf.math.igammac, a, x)
    assert abs(p + q - 1) <= 1e-14


@settings_
@given(st.floats(0.05, 200), st.floats(0.05, 200), st.floats(0.5, 1.0))
def test_betainc_symmetry(a, b, x):
    # x in [1/2, 1]: 1 - x is exact (a rounded 1 - x would move I by its own conditioning);
    # swapping a and b covers the other half.
    i1, i2 = _f64(tf.math.betainc, a, b, x), _f64(tf.math.betainc, b, a, 1 - x)
    assert abs(i1 + i2 - 1) <= 1e-13


@settings_
@given(st.floats(-6, 26))
def test_inverse_functions_invert(y):
    # The tolerance allows for the rounding of the argument (2 ulps), amplified by 1/f'(y).
    e = math.erfc(y)
    if 0 < e < 2:
        cond = 2 * 2.2e-16 * e / (2 / math.sqrt(math.pi) * math.exp(-y * y))
        assert abs(_f64(tf.math.erfcinv, e) - y) <= 4e-16 * abs(y) + cond + 1e-300
    p = 0.5 * math.erfc(-y / math.sqrt(2))
    if 0 < p < 1:
        cond = 2 * 2.2e-16 * p / (math.exp(-y * y / 2) / math.sqrt(2 * math.pi))
        assert abs(_f64(tf.math.ndtri, p) - y) <= 4e-16 * abs(y) + cond + 1e-300


@settings_
@given(st.floats(0.05, 60))
def test_bessel_wronskians(x):
    sp = tf.math.special
    j0, j1, y0, y1 = (_f64(f, x) for f in (sp.bessel_j0, sp.bessel_j1, sp.bessel_y0, sp.bessel_y1))
    assert abs(j1 * y0 - j0 * y1 - 2 / (math.pi * x)) <= 1e-14 * (1 + 2 / (math.pi * x))
    i0e, i1e, k0e, k1e = (_f64(f, x) for f in (sp.bessel_i0e, sp.bessel_i1e, sp.bessel_k0e, sp.bessel_k1e))
    assert abs(x * (i0e * k1e + i1e * k0e) - 1) <= 1e-14
    assert abs(_f64(tf.math.bessel_i0e, x) * math.exp(min(x, 700)) - _f64(tf.math.bessel_i0, x)) \
        <= 1e-14 * _f64(tf.math.bessel_i0, x)


def test_more_identities():
    x = np.array([0.3, 1.0, 2.5, 17.0])
    np.testing.assert_allclose(_f64(tf.math.polygamma, 1.0, x), _f64(tf.math.zeta, 2.0, x), rtol=1e-15)
    np.testing.assert_allclose(_f64(tf.math.polygamma, 0.0, x), _f64(tf.math.digamma, x), rtol=0)
    assert abs(_f64(tf.math.zeta, 2.0, 1.0) - math.pi ** 2 / 6) < 1e-15
    ab = np.array([[0.5, 2.0], [3.0, 4.5], [1.0, 1.0]])
    want = [math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b) for a, b in ab]
    np.testing.assert_allclose(_f64(tf.math.lbeta, ab), want, rtol=1e-14)
    # lbeta of a longer last axis: log of the multivariate beta function
    v = np.array([0.5, 1.5, 2.0, 3.0])
    assert abs(_f64(tf.math.lbeta, v) - (sum(math.lgamma(t) for t in v) - math.lgamma(v.sum()))) < 1e-14
    s = np.array([0.3, 2.0, 7.0])
    np.testing.assert_allclose(_f64(tf.math.special.spence, s) + _f64(tf.math.special.spence, 1 / s),
                               -0.5 * np.log(s) ** 2, rtol=1e-14, atol=1e-15)
    # erfinv(erf(y)) for tiny y and the odd symmetries
    np.testing.assert_allclose(_f64(tf.math.erfinv, [1e-300, -0.25]), [math.sqrt(math.pi) / 2 * 1e-300,
                               -_f64(tf.math.erfinv, 0.25)], rtol=1e-15)
    for f in (tf.math.special.dawsn, tf.math.special.fresnel_sin, tf.math.special.bessel_j1, tf.math.bessel_i1):
        np.testing.assert_array_equal(_f64(f, -x), -_f64(f, x))


# -- TF's edge values -----------------------------------------------------------------------------

inf, nan = np.inf, np.nan


@pytest.mark.parametrize("fn,x,want", [
    (tf.math.lgamma, [0.0, -1.0, -2.0, inf, -inf, nan, 1.0, 2.0], [inf, inf, inf, inf, inf, nan, 0, 0]),
    (tf.math.digamma, [0.0, -1.0, -3.0, -inf, inf, nan], [nan, nan, nan, nan, inf, nan]),
    (tf.math.erfinv, [1.0, -1.0, 1.5, -2.0, nan, 0.0], [inf, -inf, nan, nan, nan, 0.0]),
    (tf.math.erfcinv, [0.0, 2.0, -0.1, 2.5, 1.0], [inf, -inf, nan, nan, 0.0]),
    (tf.math.ndtri, [0.0, 1.0, -0.1, 1.1, 0.5], [-inf, inf, nan, nan, 0.0]),
    (tf.math.bessel_i0, [0.0, inf, -inf, 800.0], [1.0, inf, inf, inf]),
    (tf.math.bessel_i0e, [0.0, inf, -inf], [1.0, 0.0, 0.0]),
    (tf.math.bessel_i1, [0.0, inf, -inf], [0.0, inf, -inf]),
    (tf.math.special.bessel_k0, [0.0, -1.0, inf], [inf, inf, 0.0]),
    (tf.math.special.bessel_k1e, [0.0, -1.0], [inf, inf]),
    (tf.math.special.bessel_y0, [0.0, -1.0, inf], [-inf, -inf, 0.0]),
    (tf.math.special.bessel_j0, [0.0, inf], [1.0, 0.0]),
    (tf.math.special.expint, [-1.0, 0.0, inf], [nan, -inf, inf]),
    (tf.math.special.spence, [-1.0, 0.0, 1.0], [nan, math.pi ** 2 / 6, 0.0]),
    (tf.math.special.fresnel_cos, [inf, -inf, 1e30], [0.5, -0.5, 0.5]),
    (tf.math.special.dawsn, [0.0, inf, -inf], [0.0, 0.0, -0.0]),
])
def test_edge_values(fn, x, want):
    for dt in (np.float32, np.float64):
        got = fn(tf.constant(np.array(x, dt))).numpy()
        np.testing.assert_array_equal(got, np.array(want, dt), err_msg=fn.__name__)


def test_two_and_three_argument_edge_values():
    def ig(f, a, x):
        return _f64(f, np.array(a, float), np.array(x, float))
    np.testing.assert_array_equal(ig(tf.math.igamma, [1, 0, -1, 1, 2, nan, inf], [0, 0, 1, -1, inf, 1, 3]),
                                  [0, 0, nan, nan, 1, nan, 0])
    np.testing.assert_array_equal(ig(tf.math.igammac, [1, 0, -1, 1, 2, inf], [0, 0, 1, -1, inf, 3]),
                                  [1, nan, nan, nan, 0, 1])
    np.testing.assert_array_equal(ig(tf.math.zeta, [1, 0.5, 2, 3, 2.5, inf, inf], [2, 2, 0, -1, -1.5, 2, 1]),
                                  [inf, nan, inf, nan, nan, 0, 1])
    np.testing.assert_array_equal(ig(tf.math.polygamma, [0.5, -1, 1, 2], [2, 2, 0, 0]), [nan, nan, inf, nan])
    b = _f64(tf.math.betainc, np.array([1, 0, 1, 1, 1, 2]), np.array([1, 1, -1, 1, 1, 3]),
             np.array([0.5, 0.5, 0.5, 1.5, 0.0, 1.0]))
    np.testing.assert_array_equal(b, [0.5, nan, nan, nan, 0.0, 1.0])
    assert np.isneginf(_f64(tf.math.lbeta, np.zeros((2, 0)))).all()


# -- gradients (finite differences, second order) -------------------------------------------------

def _pos(*shapes, low=0.3, high=4.0):
    return lambda rng: [rng.uniform(low, high, s) for s in shapes]


A3 = np.array([0.7, 2.5, 6.0])
B3 = np.array([3.0, 1.5, 2.2])
sp = tf.math.special

CASES = [
    Case("lgamma", "custom_gradient", tf.math.lgamma, None, _pos((2, 3))),
    Case("lgamma_negative", "custom_gradient", tf.math.lgamma, None, lambda rng: [-rng.uniform(0.1, 0.9, (4,)) - 2]),
    Case("digamma", "custom_gradient", tf.math.digamma, None, _pos((4,))),
    Case("polygamma_x", "custom_gradient", lambda x: tf.math.polygamma(tf.constant(2.0, x.dtype), x), None, _pos((4,))),
    Case("zeta_q", "custom_gradient", lambda q: tf.math.zeta(tf.constant(3.5, q.dtype), q), None, _pos((4,))),
    Case("erfinv", "custom_gradient", tf.math.erfinv, None, lambda rng: [rng.uniform(-0.9, 0.9, (5,))],
         eps=1e-7),
    Case("erfcinv", "custom_gradient", tf.math.erfcinv, None, lambda rng: [rng.uniform(0.1, 1.9, (5,))], eps=1e-7),
    Case("ndtri", "custom_gradient", tf.math.ndtri, None, lambda rng: [rng.uniform(0.05, 0.95, (5,))], eps=1e-7),
    Case("lbeta", "custom_gradient", tf.math.lbeta, None, _pos((2, 3))),
    Case("igamma", "custom_gradient", tf.math.igamma, None, _pos((4,), (4,), low=0.5, high=6.0),
         second_kw=dict(second_rtol=1e-5)),
    Case("igammac", "custom_gradient", tf.math.igammac, None, _pos((4,), (4,), low=0.5, high=6.0),
         second_kw=dict(second_rtol=1e-5)),
    Case("igamma_broadcast", "custom_gradient", tf.math.igamma, None, _pos((3, 1), (4,), low=0.5, high=6.0),
         second_kw=dict(second_rtol=1e-5)),
    Case("betainc_x", "custom_gradient", lambda x: tf.math.betainc(A3, B3, x), None,
         lambda rng: [rng.uniform(0.1, 0.9, (3,))]),
    Case("bessel_i0", "custom_gradient", tf.math.bessel_i0, None, lambda rng: [rng.uniform(-5, 5, (5,))]),
    Case("bessel_i0e", "custom_gradient", tf.math.bessel_i0e, None, lambda rng: [rng.uniform(0.2, 5, (5,)) * rng.choice([-1, 1], 5)]),
    Case("bessel_i1", "custom_gradient", tf.math.bessel_i1, None, lambda rng: [rng.uniform(-5, 5, (5,))]),
    Case("bessel_i1e", "custom_gradient", tf.math.bessel_i1e, None, lambda rng: [rng.uniform(0.2, 5, (5,)) * rng.choice([-1, 1], 5)]),
    Case("bessel_j0", "custom_gradient", sp.bessel_j0, None, lambda rng: [rng.uniform(-30, 30, (5,))]),
    Case("bessel_j1", "custom_gradient", sp.bessel_j1, None, lambda rng: [rng.uniform(-30, 30, (5,))]),
    Case("bessel_y0", "custom_gradient", sp.bessel_y0, None, _pos((5,), low=0.5, high=30)),
    Case("bessel_y1", "custom_gradient", sp.bessel_y1, None, _pos((5,), low=0.5, high=30)),
    Case("bessel_k0", "custom_gradient", sp.bessel_k0, None, _pos((5,), low=0.2, high=25)),
    Case("bessel_k0e", "custom_gradient", sp.bessel_k0e, None, _pos((5,), low=0.2, high=25)),
    Case("bessel_k1", "custom_gradient", sp.bessel_k1, None, _pos((5,), low=0.2, high=25)),
    Case("bessel_k1e", "custom_gradient", sp.bessel_k1e, None, _pos((5,), low=0.2, high=25)),
    Case("dawsn", "custom_gradient", sp.dawsn, None, lambda rng: [rng.uniform(-6, 6, (5,))]),
    Case("expint", "custom_gradient", sp.expint, None, _pos((5,), low=0.1, high=8)),
    Case("fresnel_cos", "custom_gradient", sp.fresnel_cos, None, lambda rng: [rng.uniform(-3, 3, (5,))]),
    Case("fresnel_sin", "custom_gradient", sp.fresnel_sin, None, lambda rng: [rng.uniform(-3, 3, (5,))]),
    Case("spence", "custom_gradient", sp.spence, None, _pos((5,), low=0.1, high=5)),
]

_, test_gradient, test_second_order = define_tests(CASES)  # forward values: the tests above


def _grad(fn, *xs, order=1, wrt=0):
    ts = [tf.constant(np.asarray(x, np.float64)) for x in xs]
    with tf.GradientTape() as outer:
        outer.watch(ts)
        with tf.GradientTape() as inner:
            inner.watch(ts)
            y = fn(*ts)
        g = inner.gradient(y, ts[wrt])
    if order == 1:
        return g
    return outer.gradient(g, ts[wrt])


def test_gradients_at_the_special_points_are_tfs_limits():
    zero = np.zeros(2)
    for fn in (tf.math.bessel_i1, tf.math.bessel_i1e, sp.bessel_j1):
        np.testing.assert_array_equal(_grad(fn, zero).numpy(), [0.5, 0.5], err_msg=fn.__name__)
        assert np.isfinite(_grad(fn, zero, order=2).numpy()).all(), fn.__name__
    np.testing.assert_array_equal(_grad(sp.spence, [1.0]).numpy(), [-1.0])
    # d igamma(1, x) / dx = exp(-x): 1 at 0 (no 0 * log 0)
    np.testing.assert_allclose(_grad(tf.math.igamma, [1.0, 1.0], [0.0, 2.0], wrt=1).numpy(), [1.0, math.exp(-2)])
    # d betainc / dx at the ends for a = 1 or b = 1 (xlogy's rule, as TF)
    g = _grad(lambda x: tf.math.betainc(tf.constant([1.0, 2.0], x.dtype), tf.constant([3.0, 1.0], x.dtype), x),
              [0.0, 1.0])
    np.testing.assert_allclose(g.numpy(), [3.0, 2.0])


def test_gradients_tf_does_not_define_are_none():
    a, x = tf.constant([1.0, 2.0], tf.float64), tf.constant([0.5, 3.0], tf.float64)
    with tf.GradientTape(persistent=True) as g:
        g.watch([a, x])
        p = tf.math.polygamma(a, x)
        z = tf.math.zeta(a + 2.0, x)
        b = tf.math.betainc(a, a + 1.0, tf.constant([0.2, 0.7], tf.float64))
    assert g.gradient(p, a) is None
    assert g.gradient(z, a) is None
    assert g.gradient(b, a) is None
    np.testing.assert_allclose(g.gradient(p, x).numpy(), _f64(tf.math.polygamma, [2.0, 3.0], [0.5, 3.0]))
    np.testing.assert_allclose(g.gradient(z, x).numpy(), -np.array([3.0, 4.0]) * _f64(tf.math.zeta, [4.0, 5.0], [0.5, 3.0]))


def test_igamma_second_derivative_in_a():
    # d^2 P / da^2: a central difference of TF's IgammaGradA (TF has none); against a finite
    # difference of the first derivative, and mpmath when present.
    a, x = np.array([0.8, 3.0, 12.0]), np.array([1.5, 2.0, 14.0])
    d2 = _grad(tf.math.igamma, a, x, order=2).numpy()
    h = 1e-5
    fd = (_grad(tf.math.igamma, a + h, x).numpy() - _grad(tf.math.igamma, a - h, x).numpy()) / (2 * h)
    np.testing.assert_allclose(d2, fd, rtol=1e-6)
    mixed = None
    ts = [tf.constant(a), tf.constant(x)]
    with tf.GradientTape() as outer:
        outer.watch(ts)
        with tf.GradientTape() as inner:
            inner.watch(ts)
            y = tf.math.igamma(*ts)
        ga = inner.gradient(y, ts[0])
    mixed = outer.gradient(ga, ts[1]).numpy()
    # d/dx dP/da = dP/dx (log x - digamma(a))
    want = np.exp(-x + (a - 1) * np.log(x) - np.array([math.lgamma(v) for v in a])) * \
        (np.log(x) - _f64(tf.math.digamma, a))
    np.testing.assert_allclose(mixed, want, rtol=1e-12)


def test_gradient_flows_to_a_variable_in_float32():
    v = tf.Variable(np.array([0.5, 3.0], np.float32))
    with tf.GradientTape() as g:
        y = tf.reduce_sum(tf.math.lgamma(v))
    gv = g.gradient(y, v)
    assert gv.dtype == tf.float32
    np.testing.assert_allclose(gv.numpy(), _f64(tf.math.digamma, [0.5, 3.0]).astype(np.float32), rtol=1e-6)


# -- broadcasting, dtypes, bad input --------------------------------------------------------------

def test_broadcasting_of_two_argument_functions():
    a = np.array([[0.5], [2.0], [7.0]])
    x = np.array([0.1, 1.0, 3.0, 9.0])
    for fn in (tf.math.igamma, tf.math.igammac, tf.math.zeta, tf.math.polygamma):
        got = _f64(fn, a, x)
        assert got.shape == (3, 4)
        want = np.array([[_f64(fn, a[i, 0], x[j]) for j in range(4)] for i in range(3)])
        np.testing.assert_array_equal(got, want, err_msg=fn.__name__)
    with pytest.raises(InvalidArgumentError, match="igamma: Incompatible shapes"):
        tf.math.igamma(np.ones(3), np.ones(4))


def test_betainc_shapes_follow_tf():
    # scalars go with any shape; otherwise the shapes must be equal (no broadcasting), as TF
    got = _f64(tf.math.betainc, 2.0, np.array([1.0, 3.0]), 0.5)
    np.testing.assert_allclose(got, [0.25, 11 / 16], rtol=1e-15)   # I_x(a, 1) = x^a; binomial sum
    with pytest.raises(InvalidArgumentError, match="Shapes of a and x are inconsistent"):
        tf.math.betainc(np.ones(2), 1.0, np.full((2, 1), 0.5))


def test_dtypes():
    for fn in (tf.math.lgamma, tf.math.erfinv, tf.math.bessel_i0, tf.math.special.bessel_k1):
        assert fn(0.5).dtype == tf.float32                  # Python numbers: float32, as TF
        assert fn(np.float64(0.5)).dtype == tf.float64
        assert fn(tf.constant([0.5], tf.float64)).dtype == tf.float64
    # a Python number takes the tensor's dtype
    assert tf.math.igamma(2.0, tf.constant([1.0], tf.float64)).dtype == tf.float64
    assert tf.math.betainc(2.0, 3.0, tf.constant([0.5], tf.float64)).dtype == tf.float64
    assert tf.math.polygamma(np.array([1, 2]), tf.constant([1.0, 2.0])).dtype == tf.float32
    assert tf.math.lgamma(np.zeros((0, 3))).shape == (0, 3)
    assert tf.math.lgamma(3.0).shape == () and tf.math.igamma(1.0, [[2.0]]).shape == (1, 1)


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: tf.math.lgamma(tf.constant([1, 2], tf.int32)), TypeError, "lgamma: x must be a float32 or float64 tensor, got an int32"),
    (lambda: tf.math.digamma(np.array([1, 2])), TypeError, "digamma: x must be a float32 or float64"),
    (lambda: tf.math.erfinv(True), TypeError, "erfinv: x must be"),
    (lambda: tf.math.ndtri("a"), TypeError, "ndtri: x"),
    (lambda: tf.math.igamma(tf.constant(1.0), tf.constant(1.0, tf.float64)), TypeError,
     "igamma: a, x must have one dtype, got float32 and float64"),
    (lambda: tf.math.betainc(1.0, tf.constant([1, 2], tf.int64), 0.5), TypeError, "betainc: b must be a float32"),
    (lambda: tf.math.zeta(np.ones(2), np.ones(3)), InvalidArgumentError, r"zeta: Incompatible shapes for x, q: \[2\] vs. \[3\]"),
    (lambda: tf.math.lbeta(1.0), InvalidArgumentError, "lbeta: x must have rank at least 1"),
    (lambda: tf.math.special.bessel_j0([[1.0], [1.0, 2.0]]), ValueError, "bessel_j0"),
    (lambda: tf.math.special.spence(None), TypeError, "spence: x"),
])
def test_bad_input(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_namespaces_match_tf2():
    names = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0", "bessel_j1", "bessel_k0",
             "bessel_k0e", "bessel_k1", "bessel_k1e", "bessel_y0", "bessel_y1", "dawsn", "expint",
             "fresnel_cos", "fresnel_sin", "spence"]
    assert sorted(tf.math.special.__all__) == sorted(names)
    assert tf.math.special.bessel_i0 is tf.math.bessel_i0
    import tapegrad.math.special as mod
    assert mod is tf.math.special
    # TF 2 has these under tf.math only (tf.lgamma, tf.digamma, ... were TF 1 names)
    for n in ("lgamma", "digamma", "igamma", "betainc", "zeta", "polygamma", "erfinv", "lbeta"):
        assert hasattr(tf.math, n) and not hasattr(tf, n), n


if __name__ == "__main__" and "--regenerate" in sys.argv:
    TABLE.write_text(json.dumps(_generate_reference(), indent=0) + "\n")
    print(f"wrote {TABLE}")
