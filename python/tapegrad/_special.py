"""TF's special functions (``tf.math.lgamma``, ``digamma``, ``polygamma``, ``zeta``, ``erfinv``,
``erfcinv``, ``ndtri``, ``lbeta``, ``betainc``, ``igamma``, ``igammac``, ``bessel_i0/i0e/i1/i1e``
and the ``tf.math.special`` namespace: Bessel J, Y, K, Dawson's integral, the exponential
integral, the Fresnel integrals and Spence's function).

Values are computed in vectorized numpy, in float64 whatever the input dtype (float32 results are
the float64 values rounded once), by series, recurrences, asymptotic expansions and continued
fractions whose coefficients are exact rationals (Bernoulli numbers, factorials) or values of
zeta computed once at high precision (literals below, see Note [Special functions]); no scipy.
Gradients are TF's rules, written with recorded tapegrad ops (the derivatives call these
functions again), so derivatives of every order work.

Note [Special functions]
------------------------
Accuracy, measured against mpmath at 30 digits over the tests' points (float64 relative error
unless said otherwise):

* lgamma: x > 0 within 2e-16 everywhere, including near the zeros at 1 and 2 (Taylor series of
  lgamma(1 + z) and lgamma(2 + z) with zeta(k) coefficients there, Stirling's series from 10
  up, an exact product recurrence between); x < 0 by the reflection formula: 1e-15 relative to
  the terms, so relative accuracy is lost only next to lgamma's negative zeros.
* digamma: 1e-15 for x > 0, also at its zero x0 = 1.4616... (Taylor series around x0 split
  in two doubles, coefficients zeta(k + 1, x0)); recurrence to x >= 10 then the asymptotic
  series; x < 0 by reflection (absolute accuracy near the negative zeros).
* zeta(x, q), polygamma: Euler-Maclaurin summation (at least 10 direct terms, then up to 12
  Bernoulli corrections), 1e-15; polygamma(n, x) = (-1)^(n+1) n! zeta(n + 1, x). For q < -64
  (integer x only) the polygamma reflection formula with the derivatives of cot as exact
  integer polynomials replaces the |q| direct terms (a few ulps more near the poles).
* erfinv, erfcinv, ndtri: Giles' single-precision approximation as the first guess (an
  asymptotic one in the far tail), then Halley steps against the C library's erf / erfc:
  within 2e-16 relative, also in both tails (ndtri down to the smallest subnormal, through a
  Newton iteration on log(erfc) where erfc underflows).
* igamma, igammac (and d igamma / da): power series for the lower function, Lentz's continued
  fraction for the upper one, a small-a series for igammac near x = 0 (scipy's regions), and
  Temme's uniform expansion (four terms, coefficients from exact power-series reversion) for
  a >= 1000 within 30% of x = a, where the iterations would need O(sqrt(a)) steps. The
  prefactor x^a e^-x / Gamma(a + 1) goes through log(x/a) - (x/a - 1) and Stirling's series
  for a >= 10. Relative error ~1e-15 times |log(result)| (so 1e-13 for results near 1e-200),
  at any a; the derivative in a by forward-mode differentiation of the same iterations (a
  central difference of Temme's form for a >= 1e5).
* betainc: Lentz's continued fraction with the symmetry switch I_x(a, b) = 1 - I_{1-x}(b, a);
  the prefactor x^a (1-x)^b / B(a, b) with Stirling's series subtracted term by term when a or
  b is >= 10 (log-gamma differences would cancel): relative error ~1e-15 times |log(result)|.
* Bessel I0, I1 (and scaled): power series for |x| <= 20 (positive terms), the asymptotic
  expansion beyond: 1e-15. K0, K1: series for x <= 2, Steed's continued fraction beyond. J0,
  J1, Y0, Y1: series for x <= 4, Miller's backward recurrence with the Neumann series for Y
  up to 25, Hankel's expansion beyond: absolute error ~1e-15 (relative, except near zeros).
* dawsn: Rybicki's exponentially convergent sum; expint: series / asymptotic series (absolute
  accuracy near its zero 0.3725); fresnel_cos/sin: series for |x| < 1.5, the complex continued
  fraction for erfc beyond, the phase pi x^2 / 2 reduced exactly; spence: the Bernoulli series
  of the dilogarithm with reflection and inversion.
"""

import math as _pm
import sys
import types
from fractions import Fraction

import numpy as np

from . import _core, dtypes
from ._convert import as_tensor
from .errors import InvalidArgumentError

__all__ = ["lgamma", "digamma", "polygamma", "zeta", "erfinv", "erfcinv", "ndtri", "lbeta",
           "betainc", "igamma", "igammac", "bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]

_SPECIAL_ALL = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e", "bessel_j0", "bessel_j1",
                "bessel_k0", "bessel_k0e", "bessel_k1", "bessel_k1e", "bessel_y0", "bessel_y1",
                "dawsn", "expint", "fresnel_cos", "fresnel_sin", "spence"]

_EPS = 2.220446049250313e-16
_EULER = 0.57721566490153286061
_LOG_PI = 1.1447298858494002
_HALF_LOG_2PI = 0.91893853320467274178
_SQRT_PI = 1.7724538509055160273
_TINY = 1e-300

# zeta(k) - 1 for k = 2..43 (mpmath, 50 digits, rounded to double).
_ZM1 = np.array([
    0.6449340668482264, 0.2020569031595943, 0.08232323371113819, 0.03692775514336993,
    0.01734306198444914, 0.008349277381922827, 0.00407735619794434, 0.0020083928260822143,
    0.0009945751278180853, 0.0004941886041194645, 0.0002460865533080483, 0.00012271334757848915,
    6.124813505870483e-05, 3.058823630702049e-05, 1.528225940865187e-05, 7.637197637899763e-06,
    3.81729326499984e-06, 1.908212716553939e-06, 9.539620338727962e-07, 4.769329867878064e-07,
    2.38450502727733e-07, 1.1921992596531106e-07, 5.960818905125948e-08, 2.980350351465228e-08,
    1.4901554828365043e-08, 7.45071178983543e-09, 3.725334024788457e-09, 1.862659723513049e-09,
    9.313274324196682e-10, 4.656629065033784e-10, 2.3283118336765053e-10, 1.164155017270052e-10,
    5.820772087902701e-11, 2.9103850444971e-11, 1.4551921891041985e-11, 7.275959835057482e-12,
    3.637979547378651e-12, 1.818989650307066e-12, 9.094947840263888e-13, 4.547473783042154e-13,
    2.2737368458246524e-13, 1.136868407680228e-13])

# digamma's positive zero x0 as hi + lo, and the Taylor coefficients of digamma(x0 + z):
# (-1)^(k+1) zeta(k + 1, x0), k = 1..27 (mpmath).
_X0_HI, _X0_LO = 1.4616321449683622, 9.549995429965697e-17
_ROOT = np.array([
    0.9676722454476212, -0.4427631689835921, 0.258499760955651, -0.16394270544240652,
    0.10782405069126237, -0.07219956125645471, 0.04880428816414311, -0.03316112647484736,
    0.022597648232218104, -0.01542476590494896, 0.010538791616612175, -0.007204534386356869,
    0.004926781395729853, -0.003369801655439328, 0.002305126326734928, -0.0015769367714301972,
    0.0010788252019162967, -0.0007380709389960052, 0.000504953265834602, -0.0003454680251063077,
    0.00023635601564027053, -0.00016170622091974803, 0.0001106337276874741, -7.569179582195066e-05,
    5.178575795222081e-05, -3.5430070947659604e-05, 2.424006611860132e-05])

# Bernoulli numbers B_2, B_4, ..., B_24 (exact).
_B2K = [Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30), Fraction(5, 66),
        Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510), Fraction(43867, 798),
        Fraction(-174611, 330), Fraction(854513, 138), Fraction(-236364091, 2730)]
# Stirling: lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum_k B_2k / (2k (2k - 1) x^(2k-1)).
_STIRLING = np.array([float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_B2K[:8], 1)])
# digamma(x) ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k).
_PSI_ASYM = np.array([float(b / (2 * k)) for k, b in enumerate(_B2K[:8], 1)])
# Euler-Maclaurin: B_2j / (2j)!.
_EM = [float(b / _pm.factorial(2 * j)) for j, b in enumerate(_B2K, 1)]
# lgamma(1 + z) = z * poly(z, _S1) for |z| <= 1/4; lgamma(2 + z) = z * poly(z, _S2), |z| <= 3/4.
_S1 = np.array([-_EULER] + [(-1) ** k * (1.0 + _ZM1[k - 2]) / k for k in range(2, 32)])
_S2 = np.array([1.0 - _EULER] + [(-1) ** k * _ZM1[k - 2] / k for k in range(2, 44)])
_FACT = np.array([float(_pm.factorial(k)) for k in range(171)])


def _poly(z, c):
    """c[0] + c[1] z + c[2] z^2 + ... (Horner)."""
    r = np.full(np.shape(z), float(c[-1]))
    for k in range(len(c) - 2, -1, -1):
        r *= z
        r += c[k]
    return r


def _is_int(x):
    return np.isfinite(x) & (x == np.floor(x))


# -- lgamma, digamma, zeta, polygamma -------------------------------------------------------------

def _lgamma1p_series(z):
    return z * _poly(z, _S1)


def _lgamma2p_series(z):
    # 30 terms reach rounding for |z| <= 1/2, 42 for |z| <= 3/4
    return z * _poly(z, _S2 if (np.abs(z) > 0.5).any() else _S2[:30])


def _lgamma_pos(x):
    """lgamma for finite x > 0: Taylor series of lgamma(1 + z) on x < 1/4 and [3/4, 5/4), of
    lgamma(2 + z) on the rest below 10 (after x -> x - n with the exact product of the n
    factors, or x -> x + 1 below 3/4), Stirling's series from 10 up."""
    out = np.empty_like(x)
    near1 = (x < 0.25) | ((x >= 0.75) & (x < 1.25))
    mid = ~near1 & (x < 10.0)
    big = x >= 10.0
    if near1.any():
        v = x[near1]
        lo = v < 0.25
        z = np.where(lo, v, v - 1.0)
        r = _lgamma1p_series(z)
        if lo.any():
            r[lo] -= np.log(v[lo])
        out[near1] = r
    if mid.any():
        v = x[mid]
        n = np.where(v >= 2.5, np.floor(v - 1.5), 0.0)     # v - n in [1.25, 2.5)
        lo = v < 0.75                                     # lgamma(v) = lgamma(v + 1) - log v
        z = np.where(lo, v - 1.0, v - n - 2.0)
        r = _lgamma2p_series(z)
        if lo.any():
            r[lo] -= np.log(v[lo])
        up = n > 0
        if up.any():
            w, m = v[up], n[up]
            prod = np.ones_like(w)
            for k in range(1, int(m.max()) + 1):
                prod *= np.where(m >= k, w - k, 1.0)
            r[up] += np.log(prod)
        out[mid] = r
    if big.any():
        v = x[big]
        lv = np.log(v)
        corr = _poly(1.0 / (v * v), _STIRLING) / v
        out[big] = v * (lv - 1.0) - 0.5 * lv + _HALF_LOG_2PI + corr
    return out


def _sinpi_abs(x):
    """|sin(pi x)| with the argument reduced exactly."""
    r = x - np.round(x)
    return np.abs(np.sin(np.pi * r))


def _k_lgamma(x):
    out = np.full_like(x, np.inf)       # poles, +-inf
    out[np.isnan(x)] = np.nan
    pos = (x > 0) & np.isfinite(x)
    if pos.any():
        out[pos] = _lgamma_pos(x[pos])
    neg = (x < 0) & np.isfinite(x) & (x != np.floor(x))
    if neg.any():
        v = x[neg]
        out[neg] = _LOG_PI - np.log(_sinpi_abs(v)) - _lgamma_pos(1.0 - v)
    return out


def _lgamma1p(a):
    """lgamma(1 + a) for a > -1, accurate (relatively) for small |a|."""
    small = np.abs(a) <= 0.25
    out = np.empty_like(a)
    if small.any():
        out[small] = _lgamma1p_series(a[small])
    if (~small).any():
        out[~small] = _k_lgamma(1.0 + a[~small])
    return out


def _stirling_corr(a):
    """lgamma(a) - ((a - 1/2) log a - a + log(2 pi)/2), for a >= 10."""
    return _poly(1.0 / (a * a), _STIRLING) / a


def _digamma_pos(x):
    """digamma for finite x > 0."""
    out = np.empty_like(x)
    root = np.abs(x - _X0_HI) <= 0.3
    if root.any():
        z = (x[root] - _X0_HI) - _X0_LO
        out[root] = z * _poly(z, _ROOT)
    rest = ~root
    if rest.any():
        v = x[rest]
        n = np.maximum(np.ceil(10.0 - v), 0.0)
        w = np.zeros_like(v)
        for k in range(int(n.max()) if n.size else 0):
            w += np.where(n > k, 1.0 / (v + k), 0.0)
        s = v + n
        z = 1.0 / (s * s)
        out[rest] = np.log(s) - 0.5 / s - z * _poly(z, _PSI_ASYM) - w
    return out


def _k_digamma(x):
    out = np.full_like(x, np.nan)       # poles (non-positive integers, -inf) and NaN: NaN, as TF
    out[x == np.inf] = np.inf
    pos = (x > 0) & np.isfinite(x)
    if pos.any():
        out[pos] = _digamma_pos(x[pos])
    neg = (x <= 0) & np.isfinite(x) & (x != np.floor(x))
    if neg.any():
        v = x[neg]
        r = v - np.round(v)
        out[neg] = _digamma_pos(1.0 - v) - np.pi / np.tan(np.pi * r)
    return out


def _sum_powers(q, x, n):
    """sum_{k=0}^{n-1} (q + k)^-x per element (n: non-negative integer-valued floats)."""
    s = np.zeros_like(q)
    nmax = int(n.max()) if n.size else 0
    if nmax <= 64:
        for k in range(nmax):
            sel = n > k
            if sel.all():
                s += np.power(q + k, -x)
            else:
                s[sel] += np.power(q[sel] + k, -x[sel])
        return s
    few = n <= 64
    if few.any():
        s[few] = _sum_powers(q[few], x[few], n[few])
    many = np.flatnonzero(~few)
    # Long runs (q far below 0): every term of a block of elements at once, summed by reduceat.
    start = 0
    while start < many.size:
        stop, total = start, 0
        while stop < many.size and (total == 0 or total + n[many[stop]] <= 4_000_000):
            total += int(n[many[stop]])
            stop += 1
        idx = many[start:stop]
        counts = n[idx].astype(np.int64)
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        k = np.arange(counts.sum()) - offsets
        base = np.repeat(q[idx], counts) + k
        terms = np.power(base, -np.repeat(x[idx], counts))
        s[idx] = np.add.reduceat(terms, np.cumsum(counts) - counts)
        start = stop
    return s


def _zeta_main(x, q):
    """Hurwitz zeta for x > 1 finite and q finite, not a non-positive integer."""
    n = np.where(q >= 0, 10.0, 10.0 + np.ceil(-q))
    s = _sum_powers(q, x, n)
    a = q + n                                    # > 9
    b = np.power(a, -x)
    tail = a * b / (x - 1.0) + 0.5 * b
    fac = x * b / a                               # x (x+1) ... (x+2j-2) a^(-x-2j+1), j = 1
    return s + tail + _euler_maclaurin(x, a, fac, b != 0, s + tail)


def _euler_maclaurin(x, a, fac, live, base):
    """The Euler-Maclaurin correction of the zeta sums: the terms _EM[j] * fac_j (fac_1 =
    ``fac``, each next one times (x + 2j - 1)(x + 2j) / a²), added where ``live`` until a term
    falls below half an ulp of ``base`` plus the correction so far (at most 12 terms)."""
    em = np.zeros_like(base)
    for j in range(1, 13):
        t = _EM[j - 1] * fac
        live = live & (np.abs(t) >= _EPS * 0.5 * np.abs(base + em))
        em = np.where(live, em + t, em)
        if not live.any():
            break
        fac = fac * (x + 2 * j - 1) * (x + 2 * j) / (a * a)
    return em


def _zeta_scaled(x, q):
    """zeta(x, q) q^x for x > 1 and q > 0 (the same summation, every term divided by q^-x)."""
    s = np.zeros_like(q)
    for k in range(10):
        s += np.power(1.0 + k / q, -x)
    a = q + 10.0
    b = np.power(a / q, -x)
    tail = a * b / (x - 1.0) + 0.5 * b
    fac = x * b / a
    return s + tail + _euler_maclaurin(x, a, fac, b != 0, s + tail)


_COT_POLYS = {}


def _cot_poly(m):
    """Coefficients (ascending, exact integers rounded to double) of P_m with
    d^m/dz^m cot(pi z) = pi^m P_m(cot(pi z)): P_0(c) = c, P_(k+1)(c) = -(1 + c^2) P_k'(c)."""
    if m not in _COT_POLYS:
        p = [0, 1]
        for _ in range(m):
            d = [k * p[k] for k in range(1, len(p))]          # P'
            new = [0] * (len(d) + 2)
            for k, v in enumerate(d):
                new[k] -= v
                new[k + 2] -= v
            p = new
        _COT_POLYS[m] = np.array([float(v) for v in p])
    return _COT_POLYS[m]


def _zeta_negative_q(x, q):
    """zeta(x, q) for integer x = m + 1 >= 2 and q < -64 not an integer, without summing |q|
    terms: the reflection psi^(m)(z) = (-1)^m psi^(m)(1 - z) - pi d^m/dz^m cot(pi z) gives
    zeta(m+1, q) = (-1)^m (zeta(m+1, 1-q) + pi^(m+1) P_m(cot(pi q)) / m!) for m < 100; for
    larger m the terms far from the pole are below rounding, so only the 129 around it count."""
    out = np.empty_like(q)
    m = x - 1.0
    refl = m < 100
    for mv in np.unique(m[refl]):
        sel = refl & (m == mv)
        k = int(mv)
        qq = q[sel]
        r = qq - np.round(qq)
        c = 1.0 / np.tan(np.pi * r)
        term = np.pi ** (k + 1) / _FACT[k] * _poly(c, _cot_poly(k))
        out[sel] = (-1.0) ** k * (_zeta_main(np.full(qq.shape, mv + 1.0), 1.0 - qq) + term)
    far = ~refl
    if far.any():
        qq, xx = q[far], x[far]
        start = np.floor(-qq) - 64.0                      # q + start ~ -64
        s = np.zeros_like(qq)
        for j in range(129):
            s += np.power(qq + start + j, -xx)
        out[far] = s
    return out


def _k_zeta(x, q):
    out = np.full_like(x, np.nan)
    out[x == 1] = np.inf
    ok = x > 1
    qpole = ok & (q <= 0) & (q == np.floor(q))
    even = np.floor(0.5 * x) == 0.5 * x
    out[qpole & even] = np.inf
    xinf = ok & (x == np.inf) & (q > 0)
    out[xinf] = np.where(q[xinf] > 1, 0.0, np.where(q[xinf] == 1, 1.0, np.inf))
    out[ok & (q == np.inf) & np.isfinite(x)] = 0.0
    main = ok & np.isfinite(x) & np.isfinite(q) & ((q > 0) | ((q < 0) & (q != np.floor(q)) & _is_int(x)))
    far = main & (q < -64)
    main &= ~far
    if main.any():
        out[main] = _zeta_main(x[main], q[main])
    if far.any():
        out[far] = _zeta_negative_q(x[far], q[far])
    return out


def _k_polygamma(n, x):
    out = np.full_like(x, np.nan)
    okn = _is_int(n) & (n >= 0)
    zero = okn & (n == 0)
    if zero.any():
        out[zero] = _k_digamma(x[zero])
    pos = okn & (n > 0)
    if pos.any():
        nn, xx = n[pos], x[pos]
        z = _k_zeta(nn + 1.0, xx)
        sign = np.where(np.fmod(nn, 2.0) == 1.0, 1.0, -1.0)
        small = nn <= 170
        fact = np.where(small, _FACT[np.minimum(nn, 170).astype(np.int64)], np.inf)
        val = sign * fact * z
        # n! may overflow and zeta underflow where their product does not: in logs, with
        # zeta(n + 1, x) x^(n + 1) (its first term scaled to 1).
        fix = (~np.isfinite(val) | (z == 0)) & np.isfinite(z) & (xx > 0)
        if fix.any():
            s1 = nn[fix] + 1.0
            lz = np.log(_zeta_scaled(s1, xx[fix])) - s1 * np.log(xx[fix])
            val[fix] = sign[fix] * np.exp(_k_lgamma(s1) + lz)
        out[pos] = val
    return out


# -- erfinv, erfcinv, ndtri -----------------------------------------------------------------------

def _erf(a):
    return _core.erf(_core._constant(a, dtypes.float64)).numpy()


def _erfc(a):
    return _core.erfc(_core._constant(a, dtypes.float64)).numpy()


_GILES_C = [1.50140941, 0.246640727, -0.00417768164, -0.00125372503, 0.00021858087,
            -4.39150654e-06, -3.5233877e-06, 3.43273939e-07, 2.81022636e-08]
_GILES_T = [2.83297682, 1.00167406, 0.00943887047, -0.0076224613, 0.00573950773,
            -0.00367342844, 0.00134934322, 0.000100950558, -0.000200214257]


def _giles(x, w):
    """Giles' single-precision erfinv(x) given w = -log((1 - x)(1 + x)) (w < 16)."""
    c = w < 5.0
    p = np.where(c, _poly(w - 2.5, _GILES_C), _poly(np.sqrt(np.maximum(w, 5.0)) - 3.0, _GILES_T))
    return p * x


def _halley(y, f):
    """One Halley step for erf(y) = target (or erfc), given the residual over f'(y)."""
    return y - f / (1.0 + y * f)


def _erfinv_center(x):
    """erfinv for |x| < 0.5."""
    y = _giles(x, -np.log1p(-x * x))
    for _ in range(2):
        f = (_erf(y) - x) * (0.5 * _SQRT_PI) * np.exp(y * y)
        y = _halley(y, f)
    return y


def _log_erfc_big(y):
    """log(erfc(y)) and d/dy of it for y >= 20, from the asymptotic series."""
    u = 1.0 / (2.0 * y * y)
    s = np.zeros_like(y)
    t = np.ones_like(y)
    for k in range(1, 12):
        t = -t * (2 * k - 1) * u
        s += t
    return -y * y - np.log(y) - 0.5 * _LOG_PI + np.log1p(s), -2.0 * y / (1.0 + s)


def _erfcinv_small(z):
    """erfcinv(z) for 0 < z <= 0.5."""
    w = -np.log(z) - np.log(2.0 - z)
    y = np.empty_like(z)
    giles = w < 16.0
    if giles.any():
        y[giles] = _giles(1.0 - z[giles], w[giles])
    far = ~giles
    if far.any():
        lz = -np.log(z[far])
        v = np.sqrt(lz)
        for _ in range(5):
            v = np.sqrt(lz - np.log(v * _SQRT_PI) + np.log1p(-0.5 / (v * v)))
        y[far] = v
    normal = z >= 1e-300
    if normal.any():
        yy, zz = y[normal], z[normal]
        for _ in range(3):
            f = -(_erfc(yy) - zz) * (0.5 * _SQRT_PI) * np.exp(yy * yy)
            yy = _halley(yy, f)
        y[normal] = yy
    tiny = ~normal
    if tiny.any():
        yy, lz = y[tiny], np.log(z[tiny])
        for _ in range(5):
            g, dg = _log_erfc_big(yy)
            yy = yy - (g - lz) / dg
        y[tiny] = yy
    return y


def _k_erfinv(x):
    out = np.full_like(x, np.nan)
    ax = np.abs(x)
    c = ax < 0.5
    if c.any():
        out[c] = _erfinv_center(x[c])
    t = (ax >= 0.5) & (ax < 1.0)
    if t.any():
        out[t] = np.sign(x[t]) * _erfcinv_small(1.0 - ax[t])
    one = ax == 1.0
    out[one] = np.sign(x[one]) * np.inf
    return out


def _k_erfcinv(z):
    out = np.full_like(z, np.nan)
    w = 1.0 - z
    c = np.abs(w) < 0.5
    if c.any():
        out[c] = _erfinv_center(w[c])
    lo = (z > 0) & (z <= 0.5)
    if lo.any():
        out[lo] = _erfcinv_small(z[lo])
    hi = (z >= 1.5) & (z < 2.0)
    if hi.any():
        out[hi] = -_erfcinv_small(2.0 - z[hi])
    out[z == 0] = np.inf
    out[z == 2] = -np.inf
    return out


def _k_ndtri(p):
    return -np.sqrt(2.0) * _k_erfcinv(2.0 * p)


# -- igamma, igammac ------------------------------------------------------------------------------

_MAXIT = 10000

# Temme's uniform expansion (DLMF 8.12): Taylor coefficients in eta of c_0 .. c_3, computed
# exactly (power-series reversion in rationals, then c_k = c'_{k-1} / eta + (-1)^k g_k / (lambda - 1)).
_TEMME_D0 = np.array([
    -0.3333333333333333, 0.08333333333333333, -0.014814814814814815, 0.0011574074074074073,
    0.0003527336860670194, -0.0001787551440329218, 3.919263178522438e-05,
    -2.185448510679992e-06, -1.85406221071516e-06, 8.296711340953087e-07,
    -1.7665952736826078e-07, 6.707853543401498e-09, 1.0261809784240309e-08,
    -4.382036018453353e-09, 9.14769958223679e-10, -2.5514193994946248e-11,
    -5.830772132550426e-11, 2.4361948020667415e-11, -5.0276692801141755e-12,
    1.1004392031956135e-13, 3.371763262400985e-13, -1.392388722418162e-13,
    2.8534893807047445e-14, -5.139111834242572e-16, -1.9752288294349442e-15,
    8.099521156704561e-16, -1.6522531216398162e-16, 2.5305430097478883e-18,
    1.1686939738559576e-17, -4.770037049820485e-18])
_TEMME_D1 = np.array([
    -0.001851851851851852, -0.003472222222222222, 0.0026455026455026454,
    -0.0009902263374485596, 0.00020576131687242798, -4.018775720164609e-07,
    -1.8098550334489977e-05, 7.64916091608111e-06, -1.6120900894563446e-06,
    4.647127802807434e-09, 1.378633446915721e-07, -5.752545603517705e-08,
    1.1951628599778148e-08, -1.7543241719747647e-11, -1.0091543710600413e-09,
    4.162792991842583e-10, -8.56390702649298e-11, 6.067215101604758e-14,
    7.1624989648114856e-12, -2.933186643771437e-12, 5.996696365683689e-13,
    -2.1671786527323313e-16, -4.978339972369262e-14, 2.0291628823713425e-14,
    -4.13125571381061e-15, 8.286516239883097e-19, 3.4100308869333327e-16,
    -1.3854195302893971e-16])
_TEMME_D2 = np.array([
    0.004133597883597883, -0.0026813271604938273, 0.0007716049382716049,
    2.0093878600823047e-06, -0.0001073665322636516, 5.2923448829120125e-05,
    -1.2760635188618728e-05, 3.423578734096138e-08, 1.3721957309062934e-06,
    -6.298992138380055e-07, 1.4280614206064242e-07, -2.0477098421990866e-10,
    -1.409252991086752e-08, 6.228974084922022e-09, -1.3670488396617114e-09,
    9.428356159014678e-13, 1.2872252400089318e-10, -5.5645956134363323e-11,
    1.197593554636698e-11, -4.1689782251838634e-15, -1.0940640427884595e-12,
    4.662239946390136e-13, -9.905105763906907e-14, 1.8931876768373515e-17,
    8.859221872591127e-15, -3.737820398046405e-15])
_TEMME_D3 = np.array([
    0.0006494341563786008, 0.00022947209362139917, -0.0004691894943952557,
    0.00026772063206283885, -7.561801671883977e-05, -2.396505113867297e-07,
    1.1082654115347302e-05, -5.6749528269915965e-06, 1.4230900732435883e-06,
    -2.7861080291528143e-11, -1.6958404091930278e-07, 8.099464905388083e-08,
    -1.9111168485973655e-08, 2.3928620439808118e-12, 2.0620131815488797e-09,
    -9.460496661855133e-10, 2.1541049775774907e-10, -1.388823336813903e-14,
    -2.1894761681963938e-11, 9.790998951171684e-12, -2.178219188018096e-12,
    6.208819573407901e-17, 2.126978363279737e-13, -9.344688791517433e-14])
_TEMME = (_TEMME_D0, _TEMME_D1, _TEMME_D2, _TEMME_D3)


def _log1pmx(t):
    """log(1 + t) - t without cancellation."""
    out = np.empty_like(t)
    mid = np.abs(t) < 0.5
    if mid.any():
        v = t[mid]
        u = v / (2.0 + v)
        u2 = u * u
        out[mid] = -v * v / (2.0 + v) + 2.0 * u * u2 * _poly(u2, [1.0 / (2 * k + 3) for k in range(18)])
    far = ~mid
    if far.any():
        out[far] = np.log1p(t[far]) - t[far]
    return out


def _log_pref(a, x):
    """log(x^a e^-x / Gamma(a + 1))."""
    out = np.empty_like(a)
    small = a < 10.0
    if small.any():
        aa, xx = a[small], x[small]
        out[small] = aa * np.log(xx) - xx - _lgamma1p(aa)
    big = ~small
    if big.any():
        aa, xx = a[big], x[big]
        t = (xx - aa) / aa
        # log(x/a) - t: the series near x = a, log of the (exactly rounded) ratio elsewhere
        lm = np.where(np.abs(t) < 0.5, _log1pmx(np.where(np.abs(t) < 0.5, t, 0.0)), np.log(xx / aa) - t)
        out[big] = aa * lm - 0.5 * np.log(2 * np.pi * aa) - _stirling_corr(aa)
    return out


class _Converge:
    """Bookkeeping for a vectorized iteration run until each element has converged: an
    element's results are stored the first time its test passes, and the working arrays drop
    the converged elements once a quarter of them have converged (not at every step, which
    would copy every array every step)."""

    def __init__(self, n, kinds):
        self.out = [np.zeros(n, dtype=k) for k in kinds]
        self.idx = np.arange(n)
        self.frozen = np.zeros(n, bool)

    def step(self, done, values, state):
        """Record ``values`` where ``done`` first holds; the (maybe compacted) ``state``, or
        None when every element has converged."""
        new = done & ~self.frozen
        if not new.any():
            return state
        sel = self.idx[new]
        for o, v in zip(self.out, values):
            o[sel] = v[new]
        self.frozen |= new
        nf = int(np.count_nonzero(self.frozen))
        if nf == self.frozen.size:
            return None
        if 4 * nf >= self.frozen.size:
            keep = ~self.frozen
            m = self.frozen.size
            state = [v[keep] if isinstance(v, np.ndarray) and v.shape == (m,) else v for v in state]
            self.idx, self.frozen = self.idx[keep], self.frozen[keep]
        return state

    def finish(self, values):
        """Store the last iterate of the elements that never converged; the results."""
        live = ~self.frozen
        for o, v in zip(self.out, values):
            o[self.idx[live]] = v[live]
        return self.out


def _igam_series(a, x, deriv):
    """sum_{n>=0} x^n / ((a+1)...(a+n)) and its derivative in a."""
    n = a.size
    it = _Converge(n, (float, float))
    xx, r, c, s = x.copy(), a.copy(), np.ones(n), np.ones(n)
    dc, ds = np.zeros(n), np.zeros(n)
    for _ in range(_MAXIT):
        r += 1.0
        term = xx / r
        if deriv:
            dc = term * dc - term / r * c
            ds += dc
        c *= term
        s += c
        done = c <= _EPS * 0.5 * s
        if deriv:
            done &= np.abs(dc) <= _EPS * 0.5 * np.abs(ds)
        st = it.step(done, (s, ds), (xx, r, c, s, dc, ds))
        if st is None:
            return it.out
        xx, r, c, s, dc, ds = st
    return it.finish((s, ds))


def _igamc_cf(a, x, deriv):
    """Lentz's continued fraction h with Q(a, x) = x^a e^-x / Gamma(a) * h, and dh/da."""
    n = a.size
    it = _Converge(n, (float, float))
    aa, xx = a.copy(), x.copy()
    b = xx + 1.0 - aa
    db = -np.ones(n)
    c = np.full(n, 1.0 / _TINY)
    dc = np.zeros(n)
    d = 1.0 / b
    dd = -db * d * d
    h, dh = d.copy(), dd.copy()
    for i in range(1, _MAXIT):
        an = -i * (i - aa)
        b = b + 2.0
        D = an * d + b
        dD = i * d + an * dd + db
        D = np.where(np.abs(D) < _TINY, _TINY, D)
        d = 1.0 / D
        dd = -dD * d * d
        cn = b + an / c
        dcn = db + (i - an * dc / c) / c
        cn = np.where(np.abs(cn) < _TINY, _TINY, cn)
        c, dc = cn, dcn
        delta = d * c
        ddelta = dd * c + d * dc
        dh = dh * delta + h * ddelta
        h = h * delta
        done = np.abs(delta - 1.0) <= _EPS
        if deriv:
            done &= np.abs(h * ddelta) <= _EPS * np.abs(dh) + 1e-300
        st = it.step(done, (h, dh), (aa, xx, b, db, c, dc, d, dd, h, dh))
        if st is None:
            return it.out
        aa, xx, b, db, c, dc, d, dd, h, dh = st
    return it.finish((h, dh))


def _igamc_small_a(a, x):
    """Q(a, x) for small a and x <= 1.1 (scipy's igamc_series)."""
    fac = np.ones_like(x)
    s = np.zeros_like(x)
    for k in range(1, 60):
        fac = fac * -x / k
        s += fac / (a + k)
    la = a * np.log(x) - _lgamma1p(a)
    return -np.expm1(la) - a * np.exp(la) * s


def _temme_pq(a, x):
    """(P, Q) by Temme's uniform asymptotic expansion, for a >= 1000 and |x/a - 1| <= 0.3 (four
    terms: the next is below 1e-16 relative there)."""
    t = (x - a) / a
    lm = _log1pmx(t)                                  # -eta^2 / 2
    eta = np.sign(t) * np.sqrt(-2.0 * lm)
    u = 1.0 / a
    series = _poly(eta, _TEMME[0]) + u * (_poly(eta, _TEMME[1]) + u * (_poly(eta, _TEMME[2])
                                                                       + u * _poly(eta, _TEMME[3])))
    r = np.exp(a * lm) / np.sqrt(2.0 * np.pi * a) * series
    z = eta * np.sqrt(0.5 * a)
    return 0.5 * _erfc(-z) - r, 0.5 * _erfc(z) + r


def _igam_core(a, x, want_q=False, deriv=False):
    """(P, Q, dP/da) for igamma / igammac (Q and dP/da only when asked)."""
    P = np.full_like(x, np.nan)
    Q = np.full_like(x, np.nan)
    D = np.full_like(x, np.nan)
    x0 = x == 0
    P[x0] = 0.0
    D[x0] = 0.0
    Q[x0 & (a > 0)] = 1.0
    good = (a > 0) & (x > 0) & ~np.isnan(a) & ~np.isnan(x)
    xinf = good & (x == np.inf) & (a < np.inf)
    P[xinf], Q[xinf], D[xinf] = 1.0, 0.0, 0.0
    ainf = good & (a == np.inf) & (x < np.inf)
    P[ainf], Q[ainf], D[ainf] = 0.0, 1.0, 0.0
    main = good & np.isfinite(a) & np.isfinite(x)
    if not main.any():
        return P, Q, D
    am, xm = a[main], x[main]
    Pm, Qm, Dm = np.empty_like(am), np.empty_like(am), np.zeros_like(am)
    lp = _log_pref(am, xm)
    lx = np.log(xm)
    # Temme near the transition for large a (the series / fraction would need O(sqrt(a))
    # steps); the a-derivative there by a central difference of it, where a is too large for
    # the forward-mode iterations to finish.
    temme = (am >= 1000.0) & (np.abs(xm - am) <= 0.3 * am)
    if deriv:
        temme &= am >= 1e5
    if temme.any():
        at, xt = am[temme], xm[temme]
        Pm[temme], Qm[temme] = _temme_pq(at, xt)
        if deriv:
            h = 2.5e-5 * np.sqrt(at)
            Dm[temme] = (_temme_pq(at + h, xt)[0] - _temme_pq(at - h, xt)[0]) / (2.0 * h)
    cf = (xm > 1.1) & (xm >= am) & ~temme
    ser = ~cf & ~temme
    if ser.any():
        s, ds = _igam_series(am[ser], xm[ser], deriv)
        pref = np.exp(lp[ser])
        Pm[ser] = pref * s
        Qm[ser] = 1.0 - Pm[ser]
        if deriv:
            Dm[ser] = pref * (s * (lx[ser] - _k_digamma(am[ser] + 1.0)) + ds)
        if want_q:
            small = ser & (xm <= 1.1)
            small &= np.where(xm <= 0.5, am <= -0.4 / np.log(np.minimum(xm, 0.5)), am <= 1.1 * xm)
            if small.any():
                Qm[small] = _igamc_small_a(am[small], xm[small])
    if cf.any():
        h, dh = _igamc_cf(am[cf], xm[cf], deriv)
        pref = np.exp(lp[cf] + np.log(am[cf]))
        Qm[cf] = pref * h
        Pm[cf] = 1.0 - Qm[cf]
        if deriv:
            Dm[cf] = -pref * (h * (lx[cf] - _k_digamma(am[cf])) + dh)
    P[main], Q[main], D[main] = Pm, Qm, Dm
    return P, Q, D


def _k_igamma(a, x):
    return _igam_core(a, x)[0]


def _k_igammac(a, x):
    return _igam_core(a, x, want_q=True)[1]


def _k_igamma_da(a, x):
    return _igam_core(a, x, deriv=True)[2]


# -- betainc --------------------------------------------------------------------------------------

def _betacf(a, b, x):
    """The continued fraction of I_x(a, b) (modified Lentz, Numerical Recipes' betacf)."""
    n = a.size
    it = _Converge(n, (float,))
    aa, bb, xx = a.copy(), b.copy(), x.copy()
    qab, qap, qam = aa + bb, aa + 1.0, aa - 1.0
    c = np.ones(n)
    d = 1.0 - qab * xx / qap
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    for m in range(1, _MAXIT):
        m2 = 2.0 * m
        num = m * (bb - m) * xx / ((qam + m2) * (aa + m2))
        d = 1.0 + num * d
        d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + num / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        h = h * (d * c)
        num = -(aa + m) * (qab + m) * xx / ((aa + m2) * (qap + m2))
        d = 1.0 + num * d
        d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
        c = 1.0 + num / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        delta = d * c
        h = h * delta
        st = it.step(np.abs(delta - 1.0) <= _EPS, (h,), (aa, bb, xx, qab, qap, qam, c, d, h))
        if st is None:
            return it.out[0]
        aa, bb, xx, qab, qap, qam, c, d, h = st
    return it.finish((h,))[0]


def _lbeta2(a, b):
    return _k_lgamma(a) + _k_lgamma(b) - _k_lgamma(a + b)


def _log_beta_power(a, b, x, xc):
    """log(x^a (1 - x)^b / B(a, b)) (xc = 1 - x). Where a or b is large, lgamma(a) + lgamma(b)
    - lgamma(a + b) would cancel: Stirling's series is subtracted term by term instead."""
    out = np.empty_like(a)
    both = (a >= 10) & (b >= 10)
    if both.any():
        aa, bb, xx, cc = a[both], b[both], x[both], xc[both]
        s = aa + bb
        d = xx * bb - cc * aa                # (a + b) x - a, without forming (a + b) x
        corr = _stirling_corr(aa) + _stirling_corr(bb) - _stirling_corr(s)
        out[both] = (aa * _log_ratio(d, aa, xx * s) + bb * _log_ratio(-d, bb, cc * s)
                     + 0.5 * np.log(aa * (bb / s)) - _HALF_LOG_2PI - corr)
    one = ~both & ((a >= 10) | (b >= 10))
    if one.any():
        aa, bb, xx, cc = a[one], b[one], x[one], xc[one]
        # big: the large parameter, sm: the small one; lgamma(big) - lgamma(big + sm) by Stirling
        big, sm = np.maximum(aa, bb), np.minimum(aa, bb)
        s = big + sm
        diff = (-(s - 0.5) * np.log1p(sm / big) - sm * np.log(big) + sm
                + _stirling_corr(big) - _stirling_corr(s))
        out[one] = aa * np.log(xx) + bb * np.log(cc) - _k_lgamma(sm) - diff
    rest = ~both & ~one
    if rest.any():
        aa, bb = a[rest], b[rest]
        out[rest] = aa * np.log(x[rest]) + bb * np.log(xc[rest]) - _lbeta2(aa, bb)
    return out


def _log_ratio(d, a, num):
    """log(num / a) where num = a + d: through log1p(d / a) when num is close to a."""
    r = d / a
    near = np.abs(r) < 0.5
    return np.where(near, np.log1p(np.where(near, r, 0.0)), np.log(num / a))


def _k_betainc(a, b, x):
    out = np.full_like(x, np.nan)
    ok = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
    out[ok & (x == 0)] = 0.0
    out[ok & (x == 1)] = 1.0
    main = ok & (x > 0) & (x < 1)
    if not main.any():
        return out
    am, bm, xm = a[main], b[main], x[main]
    swap = xm > (am + 1.0) / (am + bm + 2.0)
    ap, bp = np.where(swap, bm, am), np.where(swap, am, bm)
    xp = np.where(swap, 1.0 - xm, xm)
    xc = np.where(swap, xm, 1.0 - xm)          # 1 - xp, exact where it matters
    front = np.exp(_log_beta_power(ap, bp, xp, xc)) / ap
    val = front * _betacf(ap, bp, xp)
    out[main] = np.where(swap, 1.0 - val, val)
    return out


# -- Bessel I ------------------------------------------------------------------------------------

def _bessel_i_series(ax, nu):
    """sum_k (x^2/4)^k / (k! (k + nu)!) for nu in {0, 1} (all terms positive)."""
    y = 0.25 * ax * ax
    t = np.ones_like(ax)
    s = np.ones_like(ax)
    for k in range(1, 120):
        t = t * y / (k * (k + nu))
        s += t
        if np.all(t <= _EPS * 0.25 * s):
            break
    return s


def _bessel_asym(ax, nu, sign):
    """sum_k c_k / x^k of e^-x sqrt(2 pi x) I_nu(x) (sign=1) or e^x sqrt(2x/pi) K_nu(x)
    (sign=-1), for x >= 20."""
    mu = 4.0 * nu * nu
    t = np.ones_like(ax)
    s = np.ones_like(ax)
    for k in range(1, 60):
        t = t * (sign * ((2 * k - 1) ** 2 - mu) / (8.0 * k)) / ax
        s += t
        if np.all(np.abs(t) <= _EPS * 0.25 * np.abs(s)):
            break
    return s


def _k_bessel_ie(x, nu, scaled):
    out = np.full_like(x, np.nan)
    ax = np.abs(x)
    sgn = np.sign(x) if nu == 1 else 1.0
    small = ax <= 20.0
    if small.any():
        v = ax[small]
        s = _bessel_i_series(v, nu) * (0.5 * v if nu == 1 else 1.0)
        out[small] = s * np.exp(-v) if scaled else s
    large = (ax > 20.0) & np.isfinite(ax)
    if large.any():
        v = ax[large]
        s = _bessel_asym(v, nu, 1.0) / np.sqrt(2.0 * np.pi * v)
        if scaled:
            out[large] = s
        else:
            h = np.exp(0.5 * v)
            out[large] = (s * h) * h
    inf = np.isinf(ax)
    out[inf] = 0.0 if scaled else np.inf
    return out * sgn


def _k_i0(x):
    return _k_bessel_ie(x, 0, False)


def _k_i0e(x):
    return _k_bessel_ie(x, 0, True)


def _k_i1(x):
    return _k_bessel_ie(x, 1, False)


def _k_i1e(x):
    return _k_bessel_ie(x, 1, True)


# -- Bessel K ------------------------------------------------------------------------------------

def _bessel_k_small(x):
    """(K0, K1) for 0 < x <= 2 from their series with the harmonic numbers."""
    y = 0.25 * x * x
    l2 = np.log(0.5 * x)
    i0 = _bessel_i_series(x, 0)
    i1 = 0.5 * x * _bessel_i_series(x, 1)
    # K0 = -(log(x/2) + gamma) I0 + sum_{k>=1} H_k y^k / (k!)^2
    # K1 = 1/x + log(x/2) I1 - (x/4) sum_{k>=0} (psi(k+1) + psi(k+2)) y^k / (k! (k+1)!)
    t0 = np.ones_like(x)
    t1 = np.ones_like(x)
    s0 = np.zeros_like(x)
    hk = 0.0
    s1 = np.full_like(x, 1.0 - 2 * _EULER)        # k = 0: psi(1) + psi(2) = 1 - 2 gamma
    for k in range(1, 40):
        hk += 1.0 / k
        t0 = t0 * y / (k * k)
        t1 = t1 * y / (k * (k + 1))
        s0 += hk * t0
        s1 += (2 * hk + 1.0 / (k + 1) - 2 * _EULER) * t1
    k0 = -(l2 + _EULER) * i0 + s0
    k1 = 1.0 / x + l2 * i1 - 0.25 * x * s1
    return k0, k1


def _bessel_k_cf(x):
    """(e^x K0, e^x K1) for x > 2 by Steed's method (Temme; Numerical Recipes' bessik, nu = 0)."""
    n = x.size
    it = _Converge(n, (float, float))
    b = 2.0 * (1.0 + x)
    d = 1.0 / b
    h = d.copy()
    delh = d.copy()
    q1 = np.zeros(n)
    q2 = np.ones(n)
    a1 = 0.25
    q = np.full(n, a1)
    c = np.full(n, a1)
    a = -a1
    s = 1.0 + q * delh
    res = None
    for i in range(2, _MAXIT):
        a -= 2 * (i - 1)
        c = -a * c / i
        qnew = (q1 - b * q2) / a
        q1, q2 = q2, qnew
        q = q + c * qnew
        b = b + 2.0
        d = 1.0 / (b + a * d)
        delh = (b * d - 1.0) * delh
        h = h + delh
        dels = q * delh
        s = s + dels
        st = it.step(np.abs(dels) <= _EPS * 0.5 * np.abs(s), (s, h), (b, d, h, delh, q1, q2, q, c, s))
        if st is None:
            res = it.out
            break
        b, d, h, delh, q1, q2, q, c, s = st
    S, Hh = res if res is not None else it.finish((s, h))
    k0e = np.sqrt(np.pi / (2.0 * x)) / S
    k1e = k0e * (x + 0.5 - a1 * Hh) / x
    return k0e, k1e


def _k_bessel_k(x, nu, scaled):
    out = np.full_like(x, np.nan)
    out[x <= 0] = np.inf                 # TF's value at and below 0
    out[x == np.inf] = 0.0
    small = (x > 0) & (x <= 2)
    if small.any():
        v = x[small]
        k = _bessel_k_small(v)[nu]
        out[small] = k * np.exp(v) if scaled else k
    mid = (x > 2) & (x < 20)
    if mid.any():
        v = x[mid]
        k = _bessel_k_cf(v)[nu]
        out[mid] = k if scaled else k * np.exp(-v)
    large = (x >= 20) & np.isfinite(x)
    if large.any():
        v = x[large]
        k = _bessel_asym(v, nu, -1.0) * np.sqrt(0.5 * np.pi / v)
        out[large] = k if scaled else k * np.exp(-v)
    return out


# -- Bessel J, Y ---------------------------------------------------------------------------------

_TWO_PI_INV = 0.63661977236758134308


def _bessel_jy_series(x):
    """(J0, J1, Y0, Y1) for 0 < x <= 4 from their power series."""
    y = 0.25 * x * x
    l2 = np.log(0.5 * x)
    t0 = np.ones_like(x)
    t1 = np.ones_like(x)
    j0 = np.ones_like(x)
    j1 = np.ones_like(x)
    s0 = np.zeros_like(x)
    s1 = np.full_like(x, 1.0 - 2 * _EULER)
    hk = 0.0
    for k in range(1, 40):
        hk += 1.0 / k
        t0 = -t0 * y / (k * k)
        t1 = -t1 * y / (k * (k + 1))
        j0 += t0
        j1 += t1
        s0 -= hk * t0
        s1 += (2 * hk + 1.0 / (k + 1) - 2 * _EULER) * t1
    j1 = 0.5 * x * j1
    y0 = _TWO_PI_INV * ((l2 + _EULER) * j0 + s0)
    y1 = _TWO_PI_INV * (l2 * j1 - 1.0 / x) - 0.25 * _TWO_PI_INV * x * s1
    return j0, j1, y0, y1


def _bessel_jy_miller(x):
    """(J0, J1, Y0, Y1) for 4 < x < 25: Miller's backward recurrence normalised by
    J0 + 2 sum J_2k = 1, the Neumann series for Y0 and Y1 from the same J_n."""
    top = int(np.ceil(x.max())) + 50
    top += top % 2
    jp = np.zeros_like(x)                 # J_{n+1}
    jn = np.full_like(x, 1e-300)          # J_n (unnormalised), n = top
    norm = np.zeros_like(x)
    sy0 = np.zeros_like(x)                # sum_k (-1)^(k+1) J_2k / k
    sy1 = np.zeros_like(x)                # sum_k (-1)^k (J_{2k-1} - J_{2k+1}) / k
    jodd_above = np.zeros_like(x)         # J_{2k+1} while walking down
    for n in range(top, 0, -1):
        jm = (2.0 * n / x) * jn - jp      # J_{n-1}
        jp, jn = jn, jm
        m = n - 1                          # jn is now J_m
        if m % 2 == 0 and m > 0:
            k = m // 2
            norm += 2.0 * jn
            sy0 += (1.0 if k % 2 else -1.0) * jn / k
        elif m % 2 == 1:
            # J_m with m = 2k - 1 pairs with J_{2k+1} (held in jodd_above) for k = (m + 1) / 2.
            k = (m + 1) // 2
            sy1 += (-1.0 if k % 2 else 1.0) * (jn - jodd_above) / k
            jodd_above = jn
        big = np.abs(jn) > 1e250
        if big.any():
            f = np.where(big, 1e-250, 1.0)
            jp *= f
            jn *= f
            norm *= f
            sy0 *= f
            sy1 *= f
            jodd_above *= f
    j0, j1 = jn, jp                       # the walk ends at J_0 (jn) and J_1 (jp)
    scale = 1.0 / (j0 + norm)
    j0, j1 = j0 * scale, j1 * scale
    sy0, sy1 = sy0 * scale, sy1 * scale
    l2 = np.log(0.5 * x) + _EULER
    y0 = _TWO_PI_INV * (l2 * j0 + 2.0 * sy0)
    y1 = _TWO_PI_INV * (l2 * j1 - j0 / x + sy1)
    return j0, j1, y0, y1


def _hankel_pq(x, nu):
    mu = 4.0 * nu * nu
    p = np.ones_like(x)
    q = np.zeros_like(x)
    t = np.ones_like(x)
    for k in range(1, 60):
        t = t * (mu - (2 * k - 1) ** 2) / (8.0 * k) / x
        if k % 2:
            q += t if (k // 2) % 2 == 0 else -t
        else:
            p += -t if (k // 2) % 2 else t
        if np.all(np.abs(t) <= _EPS * 0.1):
            break
    return p, q


def _bessel_jy_hankel(x):
    """(J0, J1, Y0, Y1) for x >= 25 from Hankel's expansions."""
    amp = np.sqrt(_TWO_PI_INV / x)
    s, c = np.sin(x), np.cos(x)
    r = np.sqrt(0.5)
    # chi_0 = x - pi/4, chi_1 = x - 3 pi/4
    c0, s0 = (c + s) * r, (s - c) * r
    c1, s1 = (s - c) * r, -(c + s) * r
    p0, q0 = _hankel_pq(x, 0)
    p1, q1 = _hankel_pq(x, 1)
    j0 = amp * (p0 * c0 - q0 * s0)
    y0 = amp * (p0 * s0 + q0 * c0)
    j1 = amp * (p1 * c1 - q1 * s1)
    y1 = amp * (p1 * s1 + q1 * c1)
    return j0, j1, y0, y1


def _bessel_jy(ax):
    """(J0, J1, Y0, Y1) for finite ax > 0."""
    outs = [np.empty_like(ax) for _ in range(4)]
    for m, fn in ((ax <= 4.0, _bessel_jy_series), ((ax > 4.0) & (ax < 25.0), _bessel_jy_miller),
                  (ax >= 25.0, _bessel_jy_hankel)):
        if m.any():
            for o, v in zip(outs, fn(ax[m])):
                o[m] = v
    return outs


def _k_bessel_j(x, nu):
    out = np.full_like(x, np.nan)
    ax = np.abs(x)
    out[x == 0] = 1.0 if nu == 0 else 0.0
    out[np.isinf(x)] = 0.0
    m = (ax > 0) & np.isfinite(ax)
    if m.any():
        v = _bessel_jy(ax[m])[nu]
        out[m] = v * np.sign(x[m]) if nu == 1 else v
    if nu == 1:
        out[x == 0] = x[x == 0] * 0.0
    return out


def _k_bessel_y(x, nu):
    out = np.full_like(x, np.nan)
    out[x <= 0] = -np.inf                # TF's value at and below 0
    out[x == np.inf] = 0.0
    m = (x > 0) & np.isfinite(x)
    if m.any():
        out[m] = _bessel_jy(x[m])[2 + nu]
    return out


# -- Dawson, expint, Fresnel, Spence ----------------------------------------------------------------

_RYB_H = 0.2
_RYB_C = np.exp(-((2.0 * np.arange(1, 18) - 1.0) * _RYB_H) ** 2)


def _k_dawsn(x):
    out = np.full_like(x, np.nan)
    ax = np.abs(x)
    small = ax < 0.2
    if small.any():
        v = x[small]
        v2 = v * v
        # sum_k (-1)^k 2^k x^(2k+1) / (2k+1)!!
        coef, c = [], 1.0
        for k in range(10):
            coef.append(c)
            c = -c * 2.0 / (2 * k + 3)
        out[small] = v * _poly(v2, coef)
    mid = (ax >= 0.2) & (ax < 1e4)
    if mid.any():
        v = ax[mid]
        n0 = 2.0 * np.floor(0.5 * v / _RYB_H + 0.5)
        xp = v - n0 * _RYB_H
        e1 = np.exp(2.0 * xp * _RYB_H)
        e2 = e1 * e1
        d1 = n0 + 1.0
        d2 = d1 - 2.0
        s = np.zeros_like(v)
        for ci in _RYB_C:
            s += ci * (e1 / d1 + 1.0 / (d2 * e1))
            d1 += 2.0
            d2 -= 2.0
            e1 = e1 * e2
        out[mid] = np.sign(x[mid]) * np.exp(-xp * xp) * s / _SQRT_PI
    big = ax >= 1e4
    if big.any():
        v = x[big]
        u = 1.0 / (2.0 * v * v)
        out[big] = 0.5 / v * (1.0 + u * (1.0 + 3.0 * u * (1.0 + 5.0 * u)))
    return out


def _k_expint(x):
    out = np.full_like(x, np.nan)         # x < 0: NaN, as TF
    out[x == 0] = -np.inf
    out[x == np.inf] = np.inf
    small = (x > 0) & (x <= 50.0)
    if small.any():
        v = x[small]
        t = np.ones_like(v)
        s = np.zeros_like(v)
        for k in range(1, 200):
            t = t * v / k
            s += t / k
            if np.all(t <= _EPS * 0.1 * s * k):
                break
        out[small] = _EULER + np.log(v) + s
    big = (x > 50.0) & np.isfinite(x)
    if big.any():
        v = x[big]
        t = np.ones_like(v)
        s = np.ones_like(v)
        for k in range(1, 60):
            t = t * k / v
            s += t
            if np.all(t <= _EPS * 0.1):
                break
        h = np.exp(0.5 * v)
        out[big] = (h * s / v) * h
    return out


def _half_sq_pi_sincos(x):
    """sin(pi x^2 / 2) and cos(pi x^2 / 2) with x^2 / 2 reduced mod 2 exactly (|x| < 1e150)."""
    c = 134217729.0 * x
    xh = c - (c - x)
    xl = x - xh
    hi = x * x
    lo = ((xh * xh - hi) + 2.0 * xh * xl) + xl * xl
    t = 0.5 * hi
    r = np.fmod(t, 2.0)                   # exact
    r = r + 0.5 * lo
    return np.sin(np.pi * r), np.cos(np.pi * r)


def _fresnel_cf(pix2):
    """Lentz's continued fraction for erfc of (1 - i) sqrt(pi) x / 2 (Numerical Recipes'
    frenel), given pi x^2."""
    it = _Converge(pix2.size, (complex,))
    b = 1.0 - 1j * pix2
    cc = np.full(pix2.shape, 1.0 / _TINY, dtype=complex)
    d = 1.0 / b
    h = d.copy()
    n = -1
    for _ in range(2, _MAXIT):
        n += 2
        a = -n * (n + 1.0)
        b = b + 4.0
        d = 1.0 / (a * d + b)
        cc = b + a / cc
        delta = cc * d
        h = h * delta
        done = (np.abs(delta.real - 1.0) + np.abs(delta.imag)) <= _EPS
        st = it.step(done, (h,), (b, cc, d, h))
        if st is None:
            return it.out[0]
        b, cc, d, h = st
    return it.finish((h,))[0]


def _k_fresnel(x, want_sin):
    out = np.full_like(x, np.nan)
    ax = np.abs(x)
    small = ax < 1.5
    if small.any():
        v = ax[small]
        t = 0.5 * np.pi * v * v
        # C = sum (-1)^n t^(2n) x / ((2n)! (4n+1)), S = sum (-1)^n t^(2n+1) x / ((2n+1)! (4n+3))
        term = v.copy()
        s = np.zeros_like(v)
        for k in range(0, 60):
            if want_sin == (k % 2 == 1):
                n = k // 2
                s += (-1.0) ** n * term / (2 * k + 1)
            term = term * t / (k + 1)
        out[small] = s
    large = (ax >= 1.5) & (ax < 1e150)
    if large.any():
        v = ax[large]
        h = _fresnel_cf(np.pi * v * v)
        h = (v - 1j * v) * h
        sn, cs = _half_sq_pi_sincos(v)
        res = (0.5 + 0.5j) * (1.0 - (cs + 1j * sn) * h)
        out[large] = res.imag if want_sin else res.real
    out[ax >= 1e150] = 0.5
    out[np.isnan(x)] = np.nan
    return out * np.sign(x) + np.where(x == 0, x, 0.0)


_LI2_B = [float(b / _pm.factorial(2 * k + 1)) for k, b in enumerate(_B2K[:11], 1)]


def _li2_bernoulli(u):
    """Li2(1 - e^-u) = sum_n B_n u^(n+1) / (n+1)! for |u| <= log 2."""
    u2 = u * u
    return u - 0.25 * u2 + u * u2 * _poly(u2, _LI2_B)


def _spence_01(x):
    """spence(x) = Li2(1 - x) for 0 < x <= 1.5."""
    out = np.empty_like(x)
    mid = x >= 0.5
    if mid.any():
        out[mid] = _li2_bernoulli(-np.log(x[mid]))
    lo = ~mid
    if lo.any():
        v = x[lo]
        # Li2(1 - v) = pi^2/6 - log(v) log(1 - v) - Li2(v)
        out[lo] = np.pi ** 2 / 6 - np.log(v) * np.log1p(-v) - _li2_bernoulli(-np.log1p(-v))
    return out


def _k_spence(x):
    out = np.full_like(x, np.nan)          # x < 0: NaN, as TF
    out[x == 0] = np.pi ** 2 / 6
    out[x == np.inf] = -np.inf
    m = (x > 0) & (x <= 1.5)
    if m.any():
        out[m] = _spence_01(x[m])
    big = (x > 1.5) & np.isfinite(x)
    if big.any():
        v = x[big]
        lv = np.log(v)
        out[big] = -0.5 * lv * lv - _spence_01(1.0 / v)
    return out


# -- argument handling ---------------------------------------------------------------------------

def _is_tensor(v):
    return isinstance(v, (_core.Tensor, _core.Variable))


def _args(op, names, values):
    """The arguments as float tensors of one dtype: tensors (and Variables) must be float32 or
    float64 and agree; numpy float arrays give the dtype when no tensor does; Python numbers and
    lists take it (float32 when nothing gives one)."""
    dtype = None
    for n, v in zip(names, values):
        if _is_tensor(v):
            if not v.dtype.is_floating:
                art = "an" if v.dtype.name[0] == "i" else "a"
                raise TypeError(f"{op}: {n} must be a float32 or float64 tensor, got {art} "
                                f"{v.dtype.name} tensor")
            if dtype is None:
                dtype = v.dtype
            elif v.dtype != dtype:
                raise TypeError(f"{op}: {', '.join(names)} must have one dtype, got {dtype.name} and "
                                f"{v.dtype.name} (use tf.cast)")
    if dtype is None:
        for n, v in zip(names, values):
            if isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind == "f":
                dtype = dtypes.float64 if v.dtype == np.float64 else dtypes.float32
                break
    out = []
    for n, v in zip(names, values):
        if _is_tensor(v):
            out.append(v.read_value() if isinstance(v, _core.Variable) else v)
            continue
        if isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind not in "f":
            if v.dtype.kind not in "iu" or dtype is None:
                kind = "a bool" if v.dtype.kind == "b" else f"a numpy {v.dtype} "
                raise TypeError(f"{op}: {n} must be a float32 or float64 tensor, got "
                                f"{kind.strip()} array")
        if isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{op}: {n} must be a float32 or float64 tensor, got a bool")
        t = as_tensor(v, dtype or dtypes.float32, f"{op}: {n}")
        out.append(t)
    if dtype is None:
        dtype = dtypes.float32
    return out, dtype


def _broadcast_shape(op, names, ts):
    shapes = [tuple(int(d) for d in t.shape) for t in ts]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        text = " vs. ".join(str(list(s)) for s in shapes)
        raise InvalidArgumentError(f"{op}: Incompatible shapes for {', '.join(names)}: {text}") from None


def _evaluate(kernel, ts, dtype, shape=None):
    """kernel(*float64 flat arrays) on the broadcast values, as a tensor of ``dtype``."""
    arrs = [np.asarray(t.numpy(), dtype=np.float64) for t in ts]
    if shape is None:
        shape = np.broadcast_shapes(*[a.shape for a in arrs])
    flat = [np.broadcast_to(a, shape).ravel() for a in arrs]
    with np.errstate(all="ignore"):       # overflow to inf, NaN outside the domain: as TF
        if int(np.prod(shape, dtype=np.int64)) == 0:
            out = np.zeros(shape)
        else:
            out = kernel(*flat)
        out = np.asarray(out, dtype=dtype.as_numpy_dtype).reshape(shape)
    return _core._constant(out, dtype)


def _c(value, dtype):
    return _core._constant(float(value), dtype)


def _safe_x(x):
    """(x == 0, x with 1 where it is 0): for a branch that divides by x."""
    zero = _core.equal(x, 0.0)
    return zero, _core.where(zero, _c(1.0, x.dtype), x)


def _xlogy_safe(a, x):
    """a * log(x), 0 where a is 0 (whatever x), as tf.math.xlogy; differentiable."""
    zero = _core.equal(a, 0.0)
    safe = _core.where(zero, _c(1.0, x.dtype), x)
    return _core.where(zero, _c(0.0, a.dtype), _core.multiply(a, _core.log(safe)))


def _unary(op, kernel, grad, doc):
    from ._custom_gradient import custom_gradient

    def fn(x, name=None):
        (t,), dtype = _args(op, ("x",), (x,))
        if not _core._recording():
            return _evaluate(kernel, [t], dtype)

        @custom_gradient
        def _f(v):
            return _evaluate(kernel, [v], dtype), lambda dy: _core.multiply(dy, grad(v))
        return _f(t)
    fn.__name__ = fn.__qualname__ = op
    fn.__doc__ = doc
    return fn


def _binary(op, names, kernel, grads, x, y):
    """A two-argument function with numpy broadcasting; ``grads(u, v)`` gives the partials
    (None: no gradient, as TF)."""
    from ._custom_gradient import custom_gradient
    (a, b), dtype = _args(op, names, (x, y))
    shape = _broadcast_shape(op, names, (a, b))
    if not _core._recording():
        return _evaluate(kernel, [a, b], dtype, shape)

    @custom_gradient
    def _f(u, v):
        def grad(dy):
            pu, pv = grads(u, v)
            gu = None if pu is None else _core.sum_to(_core.multiply(dy, pu), u.shape)
            gv = None if pv is None else _core.sum_to(_core.multiply(dy, pv), v.shape)
            return gu, gv
        return _evaluate(kernel, [u, v], dtype, shape), grad
    return _f(a, b)


# -- public functions ----------------------------------------------------------------------------

lgamma = _unary("lgamma", _k_lgamma, lambda v: digamma(v), """\
``log|Gamma(x)|`` elementwise, as ``tf.math.lgamma`` (float32 and float64). ``inf`` at 0 and
the negative integers and at +-inf (the C library's convention, which TF's kernel uses), the
log of |Gamma| elsewhere below 0. Float64 relative error within 2e-16 for x > 0, including next
to the zeros at 1 and 2 (Note [Special functions] in tapegrad/_special.py). Gradient
``digamma(x)``, of every order.""")

digamma = _unary("digamma", _k_digamma, lambda v: polygamma(_c(1.0, v.dtype), v), """\
The logarithmic derivative of Gamma, ``Gamma'(x) / Gamma(x)``, as ``tf.math.digamma``. NaN at 0,
the negative integers and -inf (TF's kernel: Eigen's cephes ``psi`` returns NaN at its poles;
scipy gives -inf at 0), +inf at +inf. Relative error ~1e-15 for x > 0, also at its zero
1.4616...; below 0 by reflection. Gradient ``polygamma(1, x)``, of every order.""")


def polygamma(a, x, name=None):
    """The ``a``-th derivative of digamma, ``psi^(a)(x)``, as ``tf.math.polygamma(a, x)``:
    ``(-1)^(a+1) a! zeta(a + 1, x)`` for a positive integer ``a``, ``digamma(x)`` for ``a = 0``,
    NaN where ``a`` is not a non-negative integer (TF's rule). ``a`` and ``x`` broadcast. The
    gradient in ``x`` is ``polygamma(a + 1, x)`` (every order); in ``a`` there is none (None,
    as TF)."""
    op = "polygamma"

    def grads(u, v):
        return None, polygamma(_core.stop_gradient(_core.add(u, 1.0)), v)
    return _binary(op, ("a", "x"), _k_polygamma, grads, a, x)


def zeta(x, q, name=None):
    """The Hurwitz zeta function ``sum_{k>=0} (k + q)^-x``, as ``tf.math.zeta(x, q)`` (x and q
    broadcast). ``inf`` at x = 1, NaN for x < 1; for q a non-positive integer inf where x is even,
    NaN where odd; for other q < 0 defined only at integer x (TF's / cephes' rules). Euler-Maclaurin
    summation, relative error ~1e-15. The gradient in ``q`` is ``-x zeta(x + 1, q)`` (every
    order); in ``x`` there is none (None, as TF)."""
    op = "zeta"

    def grads(u, v):
        us = _core.stop_gradient(u)
        return None, _core.negative(_core.multiply(us, zeta(_core.add(us, 1.0), v)))
    return _binary(op, ("x", "q"), _k_zeta, grads, x, q)


erfinv = _unary("erfinv", _k_erfinv, lambda v: _core.multiply(
    _c(_SQRT_PI / 2, v.dtype), _core.exp(_core.square(erfinv(v)))), """\
The inverse of ``erf`` on [-1, 1], as ``tf.math.erfinv``: +-inf at +-1, NaN outside. Giles'
approximation refined by Halley steps against erf (|x| < 1/2) or erfc of ``1 - |x|`` (exact
there), so it is accurate to ~1 ulp also next to +-1. Gradient ``sqrt(pi)/2 exp(erfinv(x)^2)``
(TF's), of every order.""")


def ndtri(x, name=None):
    """The inverse of the standard normal CDF, as ``tf.math.ndtri``: ``-sqrt(2) erfcinv(2x)``,
    -inf at 0, +inf at 1, NaN outside [0, 1]. Accurate in both tails (down to the smallest
    subnormal, through erfc and, where erfc underflows, log(erfc)). Gradient
    ``sqrt(2 pi) exp(ndtri(x)^2 / 2)`` (TF's), of every order."""
    from ._custom_gradient import custom_gradient
    (t,), dtype = _args("ndtri", ("x",), (x,))
    if not _core._recording():
        return _evaluate(_k_ndtri, [t], dtype)

    @custom_gradient
    def _f(v):
        def grad(dy):
            y = ndtri(v)
            return _core.multiply(dy, _core.multiply(
                _c(_pm.sqrt(2 * _pm.pi), v.dtype), _core.exp(_core.multiply(_core.square(y), 0.5))))
        return _evaluate(_k_ndtri, [v], dtype), grad
    return _f(t)


def erfcinv(x, name=None):
    """The inverse of ``erfc`` on [0, 2], as ``tf.math.erfcinv``: +inf at 0, -inf at 2, NaN
    outside. TF defines it as ``-ndtri(x / 2) / sqrt(2)``; the value is computed directly
    (accurate for tiny x) and the gradient is that composition's: ``-sqrt(pi)/2
    exp(erfcinv(x)^2)``, of every order."""
    from ._custom_gradient import custom_gradient
    (t,), dtype = _args("erfcinv", ("x",), (x,))
    if not _core._recording():
        return _evaluate(_k_erfcinv, [t], dtype)

    @custom_gradient
    def _f(v):
        def grad(dy):
            y = erfcinv(v)
            return _core.multiply(dy, _core.multiply(_c(-_SQRT_PI / 2, v.dtype), _core.exp(_core.square(y))))
        return _evaluate(_k_erfcinv, [v], dtype), grad
    return _f(t)


def lbeta(x, name=None):
    """``log|Beta(x)|`` over the last axis, as ``tf.math.lbeta``: ``sum(lgamma(x), -1) -
    lgamma(sum(x, -1))`` (for ``[a, b]`` the usual ``log B(a, b)``). An empty last axis gives
    ``-inf`` (TF's convention: the empty sum is 0 and lgamma(0) is inf). Built from ``lgamma``
    and ``reduce_sum``: differentiable to every order."""
    (t,), dtype = _args("lbeta", ("x",), (x,))
    if t.ndim == 0:
        raise InvalidArgumentError("lbeta: x must have rank at least 1 (the last axis is reduced), "
                                   "got a scalar")
    return _core.subtract(_core.reduce_sum(lgamma(t), -1), lgamma(_core.reduce_sum(t, -1)))


def _igamma_dpdx(u, v):
    """d igamma(a, x) / dx = exp(-x + (a - 1) log x - lgamma(a)), as recorded ops."""
    am1 = _core.subtract(u, 1.0)
    return _core.exp(_core.subtract(_core.subtract(_xlogy_safe(am1, v), v), lgamma(u)))


def _igamma_da(a, x):
    """d igamma(a, x) / da (TF's IgammaGradA): forward-mode differentiation of the series and
    continued fraction. Its own gradient: in x exact (``dP/dx (log x - digamma(a))``); in a a
    central difference of this function with step 2e-5 a (about 1e-9 relative; TF has no
    second derivative in a at all)."""
    from ._custom_gradient import custom_gradient
    dtype = a.dtype
    shape = _broadcast_shape("igamma", ("a", "x"), (a, x))
    if not _core._recording():
        return _evaluate(_k_igamma_da, [a, x], dtype, shape)

    @custom_gradient
    def _f(u, v):
        def grad(dy):
            ga = None
            h = _core.multiply(u, 2e-5)
            diff = _core.subtract(_igamma_da(_core.add(u, h), v), _igamma_da(_core.subtract(u, h), v))
            ga = _core.sum_to(_core.multiply(dy, _core.divide(diff, _core.multiply(h, 2.0))), u.shape)
            dx = _core.multiply(_igamma_dpdx(u, v), _core.subtract(_core.log(v), digamma(u)))
            gx = _core.sum_to(_core.multiply(dy, dx), v.shape)
            return ga, gx
        return _evaluate(_k_igamma_da, [u, v], dtype, shape), grad
    return _f(a, x)


def igamma(a, x, name=None):
    """The regularized lower incomplete gamma function ``P(a, x) = gamma(a, x) / Gamma(a)``, as
    ``tf.math.igamma`` (a and x broadcast). 0 at x = 0, NaN for x < 0 or a <= 0, 1 at x = inf
    (TF's rules). Power series / Lentz continued fraction (Note [Special functions]). Gradients:
    in x ``exp(-x) x^(a-1) / Gamma(a)``, in a TF's ``IgammaGradA`` (forward-mode derivative of
    the same iterations); second derivatives in x exact, in a by a central difference of the
    first (TF has none)."""
    def grads(u, v):
        return _igamma_da(u, v), _igamma_dpdx(u, v)
    return _binary("igamma", ("a", "x"), _k_igamma, grads, a, x)


def igammac(a, x, name=None):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, as
    ``tf.math.igammac`` (a and x broadcast): 1 at x = 0, NaN for x < 0 or a <= 0, 0 at x = inf.
    Computed directly (continued fraction, or scipy's small-a series), not as ``1 - P``, so small
    values keep their relative accuracy. Gradients are minus igamma's."""
    def grads(u, v):
        return _core.negative(_igamma_da(u, v)), _core.negative(_igamma_dpdx(u, v))
    return _binary("igammac", ("a", "x"), _k_igammac, grads, a, x)


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function ``I_x(a, b)``, as ``tf.math.betainc``. As TF,
    ``a``, ``b`` and ``x`` must have one shape, except that scalars go with any shape
    (InvalidArgumentError otherwise). NaN for a <= 0 or b <= 0 or x outside [0, 1]; 0 at x = 0,
    1 at x = 1. Lentz's continued fraction with the symmetry switch. The gradient is TF's: in
    ``x`` only, ``x^(a-1) (1-x)^(b-1) / B(a, b)`` (every order); None for ``a`` and ``b``."""
    from ._custom_gradient import custom_gradient
    op = "betainc"
    names = ("a", "b", "x")
    ts, dtype = _args(op, names, (a, b, x))
    shapes = [tuple(int(d) for d in t.shape) for t in ts]
    for i in range(3):
        for j in range(i + 1, 3):
            if len(shapes[i]) and len(shapes[j]) and shapes[i] != shapes[j]:
                raise InvalidArgumentError(f"betainc: Shapes of {names[i]} and {names[j]} are inconsistent: "
                                           f"{list(shapes[i])} vs. {list(shapes[j])}")
    shape = next((s for s in shapes if len(s)), ())
    if not _core._recording():
        return _evaluate(_k_betainc, ts, dtype, shape)

    @custom_gradient
    def _f(u, w, v):
        def grad(dy):
            lb = _core.subtract(_core.add(lgamma(u), lgamma(w)), lgamma(_core.add(u, w)))
            ex = _core.add(_xlogy_safe(_core.subtract(w, 1.0), _core.subtract(1.0, v)),
                           _xlogy_safe(_core.subtract(u, 1.0), v))
            dx = _core.exp(_core.subtract(ex, lb))
            return None, None, _core.sum_to(_core.multiply(dy, dx), v.shape)
        return _evaluate(_k_betainc, [u, w, v], dtype, shape), grad
    return _f(*ts)


def _i1_grad(v):
    zero, safe = _safe_x(v)
    return _core.where(zero, _c(0.5, v.dtype), _core.subtract(bessel_i0(v), _core.divide(bessel_i1(v), safe)))


def _i1e_grad(v):
    zero, safe = _safe_x(v)
    rest = _core.subtract(bessel_i0e(v), _core.multiply(
        bessel_i1e(v), _core.add(_core.sign(v), _core.divide(1.0, safe))))
    return _core.where(zero, _c(0.5, v.dtype), rest)


bessel_i0 = _unary("bessel_i0", _k_i0, lambda v: bessel_i1(v), """\
The modified Bessel function of the first kind of order 0, as ``tf.math.bessel_i0`` (also
``tf.math.special.bessel_i0``). Power series for |x| <= 20, asymptotic expansion beyond;
relative error ~1e-15; inf past ~713. Gradient ``bessel_i1(x)``, of every order.""")

bessel_i0e = _unary("bessel_i0e", _k_i0e, lambda v: _core.subtract(
    bessel_i1e(v), _core.multiply(_core.sign(v), bessel_i0e(v))), """\
``exp(-|x|) bessel_i0(x)`` without overflow, as ``tf.math.bessel_i0e``. Gradient
``bessel_i1e(x) - sign(x) bessel_i0e(x)`` (TF's), of every order.""")

bessel_i1 = _unary("bessel_i1", _k_i1, _i1_grad, """\
The modified Bessel function of the first kind of order 1, as ``tf.math.bessel_i1``. Gradient
``bessel_i0(x) - bessel_i1(x) / x``, 0.5 at x = 0 (TF's), of every order.""")

bessel_i1e = _unary("bessel_i1e", _k_i1e, _i1e_grad, """\
``exp(-|x|) bessel_i1(x)`` without overflow, as ``tf.math.bessel_i1e``. Gradient
``bessel_i0e(x) - bessel_i1e(x) (sign(x) + 1/x)``, 0.5 at x = 0 (TF's), of every order.""")

bessel_j0 = _unary("bessel_j0", lambda x: _k_bessel_j(x, 0), lambda v: _core.negative(bessel_j1(v)), """\
The Bessel function of the first kind of order 0, as ``tf.math.special.bessel_j0``: series for
|x| <= 4, Miller's backward recurrence up to 25, Hankel's expansion beyond (absolute error
~1e-15). Gradient ``-bessel_j1(x)``, of every order.""")


def _j1_grad(v):
    zero, safe = _safe_x(v)
    return _core.where(zero, _c(0.5, v.dtype), _core.subtract(bessel_j0(v), _core.divide(bessel_j1(v), safe)))


bessel_j1 = _unary("bessel_j1", lambda x: _k_bessel_j(x, 1), _j1_grad, """\
The Bessel function of the first kind of order 1, as ``tf.math.special.bessel_j1`` (odd).
Gradient ``bessel_j0(x) - bessel_j1(x) / x``, 0.5 at 0 (TF's), of every order.""")

bessel_y0 = _unary("bessel_y0", lambda x: _k_bessel_y(x, 0), lambda v: _core.negative(bessel_y1(v)), """\
The Bessel function of the second kind of order 0, as ``tf.math.special.bessel_y0``: -inf at
and below 0 (TF's kernel; scipy gives NaN below 0). Absolute error ~1e-15. Gradient
``-bessel_y1(x)``, of every order.""")

bessel_y1 = _unary("bessel_y1", lambda x: _k_bessel_y(x, 1), lambda v: _core.subtract(
    bessel_y0(v), _core.divide(bessel_y1(v), v)), """\
The Bessel function of the second kind of order 1, as ``tf.math.special.bessel_y1``: -inf at
and below 0 (TF's). Gradient ``bessel_y0(x) - bessel_y1(x) / x``, of every order.""")

bessel_k0 = _unary("bessel_k0", lambda x: _k_bessel_k(x, 0, False),
                   lambda v: _core.negative(bessel_k1(v)), """\
The modified Bessel function of the second kind of order 0, as ``tf.math.special.bessel_k0``:
+inf at and below 0 (TF's kernel). Series for x <= 2, Steed's continued fraction beyond
(relative error ~1e-15). Gradient ``-bessel_k1(x)``, of every order.""")

bessel_k0e = _unary("bessel_k0e", lambda x: _k_bessel_k(x, 0, True), lambda v: _core.subtract(
    bessel_k0e(v), bessel_k1e(v)), """\
``exp(x) bessel_k0(x)``, as ``tf.math.special.bessel_k0e`` (+inf at and below 0). Gradient
``bessel_k0e(x) - bessel_k1e(x)``, of every order.""")

bessel_k1 = _unary("bessel_k1", lambda x: _k_bessel_k(x, 1, False), lambda v: _core.negative(_core.add(
    bessel_k0(v), _core.divide(bessel_k1(v), v))), """\
The modified Bessel function of the second kind of order 1, as ``tf.math.special.bessel_k1``
(+inf at and below 0). Gradient ``-bessel_k0(x) - bessel_k1(x) / x``, of every order.""")

bessel_k1e = _unary("bessel_k1e", lambda x: _k_bessel_k(x, 1, True), lambda v: _core.subtract(
    _core.multiply(bessel_k1e(v), _core.subtract(1.0, _core.divide(1.0, v))), bessel_k0e(v)), """\
``exp(x) bessel_k1(x)``, as ``tf.math.special.bessel_k1e`` (+inf at and below 0). Gradient
``bessel_k1e(x) (1 - 1/x) - bessel_k0e(x)``, of every order.""")

dawsn = _unary("dawsn", _k_dawsn, lambda v: _core.subtract(
    1.0, _core.multiply(_core.multiply(v, 2.0), dawsn(v))), """\
Dawson's integral ``exp(-x^2) int_0^x exp(t^2) dt``, as ``tf.math.special.dawsn`` (odd):
Rybicki's sum with step 0.2 (error below 1e-26 before rounding), the series near 0, the
asymptotic series past 1e4. Gradient ``1 - 2 x dawsn(x)``, of every order.""")

expint = _unary("expint", _k_expint, lambda v: _core.divide(_core.exp(v), v), """\
The exponential integral ``Ei(x) = -PV int_{-x}^inf exp(-t)/t dt``, as
``tf.math.special.expint``: -inf at 0, NaN below 0 (TF's domain). Series up to 50, asymptotic
series beyond (relative error ~1e-15, absolute near its zero 0.3725). Gradient ``exp(x)/x``,
of every order.""")


def _pi2(v):
    return _core.multiply(_core.square(v), _c(_pm.pi / 2, v.dtype))


fresnel_cos = _unary("fresnel_cos", lambda x: _k_fresnel(x, False), lambda v: _core.cos(_pi2(v)), """\
The Fresnel cosine integral ``int_0^x cos(pi t^2 / 2) dt``, as ``tf.math.special.fresnel_cos``
(odd, 1/2 at +inf): series for |x| < 1.5, the complex continued fraction of erfc beyond, its
phase reduced exactly (TF returns exactly 1/2 past 36974; this keeps the 1/(pi x) ripple).
Gradient ``cos(pi x^2 / 2)``, of every order.""")

fresnel_sin = _unary("fresnel_sin", lambda x: _k_fresnel(x, True), lambda v: _core.sin(_pi2(v)), """\
The Fresnel sine integral ``int_0^x sin(pi t^2 / 2) dt``, as ``tf.math.special.fresnel_sin``
(odd). Gradient ``sin(pi x^2 / 2)``, of every order.""")


def _spence_grad(v):
    one = _core.equal(v, 1.0)
    safe = _core.where(one, _c(2.0, v.dtype), v)
    return _core.where(one, _c(-1.0, v.dtype), _core.divide(_core.log(safe), _core.subtract(1.0, safe)))


spence = _unary("spence", _k_spence, _spence_grad, """\
Spence's function ``int_1^x log(t) / (1 - t) dt = Li2(1 - x)``, as ``tf.math.special.spence``
(scipy's convention): pi^2/6 at 0, 0 at 1, NaN below 0. The Bernoulli series of the
dilogarithm with reflection and inversion (relative error ~1e-15). Gradient
``log(x) / (1 - x)`` (-1 at 1), of every order.""")


# tf.math.special: a namespace module (reachable as tapegrad.math.special).
special = types.ModuleType("tapegrad.math.special", """tapegrad.math.special: TF's
``tf.math.special`` functions (Bessel functions, Dawson's integral, the exponential integral,
the Fresnel integrals, Spence's function); see tapegrad/_special.py.""")
for _name in _SPECIAL_ALL:
    setattr(special, _name, globals()[_name])
special.__all__ = list(_SPECIAL_ALL)
sys.modules.setdefault("tapegrad.math.special", special)
del _name
