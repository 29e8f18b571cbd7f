"""Every compiled GEMM kernel (scalar, avx2, avx512 where the CPU runs them) against a float64
numpy reference: awkward sizes around the vector width and the micro-tile (MR x NR is 6 x 16
float32 / 6 x 8 float64 on AVX2, 12 x 32 / 12 x 16 on AVX-512), the cache blocks (float32 / float64:
KC 384 / 384, MC 144 / 72, NC 1024 / 512 on AVX2; KC 512 / 256, MC 288 / 144, NC 256 / 256 on
AVX-512; an A read in place in tiles of 6 rows where L1D has fewer than 12 ways), all four
transpose combinations, accumulate, bias + activations,
batched with broadcast (stride 0), NaN/inf propagation, on 1 and 2 threads."""
import itertools
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tapegrad import _core  # noqa: E402  (a missing core must fail, not skip)
K = _core._kernels

ISAS = list(K.isas())
DTYPES = [np.float32, np.float64]
MOD = {np.float32: K.f32, np.float64: K.f64}


def _operands(rng, m, k, n, ta, tb, dtype, batch=None):
    lead = () if batch is None else (batch,)
    a = rng.standard_normal(lead + ((k, m) if ta else (m, k))).astype(dtype)
    b = rng.standard_normal(lead + ((n, k) if tb else (k, n))).astype(dtype)
    return a, b


def _op(x, t):
    x = x.astype(np.float64)
    return np.swapaxes(x, -1, -2) if t else x


def _act(name, y):
    if name == "relu":
        return np.where(np.isnan(y), y, np.maximum(y, 0))
    if name == "sigmoid":
        return 1 / (1 + np.exp(-y))
    if name == "tanh":
        return np.tanh(y)
    return y


def _check(out, ref, a, b, ta, tb, dtype):
    # Error bound scaled by |op(A)| @ |op(B)|, the size of the terms actually summed.
    scale = np.abs(_op(a, ta)) @ np.abs(_op(b, tb)) if a.size and b.size else np.zeros_like(ref)
    eps = np.finfo(dtype).eps
    kdim = a.shape[-2] if ta else a.shape[-1]
    tol = 4 * eps * np.sqrt(max(kdim, 1)) * (scale + 1) + 4 * eps * np.abs(ref)
    assert out.dtype == dtype and out.shape == ref.shape
    err = np.abs(out.astype(np.float64) - ref)
    assert np.all(err <= tol), f"max err {err.max():.3g} (tol {tol.max():.3g})"


def _check_all_transposes(isa, dtype, shape, seed):
    m, k, n = shape
    rng = np.random.default_rng(seed)
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        out = MOD[dtype].gemm(isa, a, b, ta, tb)
        _check(out, _op(a, ta) @ _op(b, tb), a, b, ta, tb, dtype)


# (m, k, n): zero, one, around MR (6/12) and NR (8/16/32), primes, long K (> KC), and blocks
# that cross MC / NC; plus the shapes of the benchmark (Dense layers, a row vector, 10 outputs).
SHAPES = [
    (0, 5, 7), (5, 0, 7), (5, 7, 0), (1, 1, 1), (1, 7, 1), (2, 3, 5),
    (5, 7, 7), (6, 8, 8), (7, 9, 9), (11, 15, 15), (12, 16, 16), (13, 17, 17),
    (6, 31, 32), (13, 33, 33), (24, 5, 31), (31, 64, 47), (37, 41, 43),
    (1, 300, 65), (2, 513, 129), (3, 100, 40), (4, 64, 200), (64, 100, 10),
    (97, 600, 53), (150, 257, 130), (300, 520, 70), (20, 40, 2060), (80, 30, 1100),
    (13, 1031, 17), (40, 300, 1), (3, 17, 1), (1, 1000, 3),
    # row vectors whose k leaves 7, 3, 2 and 5 rows for the last pass of 8 (AVX2's row_vector)
    # and 3, 5, 4 and 1 for the last of 6 (AVX-512's)
    (1, 15, 40), (1, 11, 19), (1, 10, 9), (1, 13, 70),
    # one MC block of rows with B packed group by group (Note [GEMM one row block]): a batch
    # of 32 times a Dense kernel, and a last group and sliver that are partial
    (32, 784, 512), (45, 500, 333),
    # past MC, NC and KC at once with edges everywhere: AVX-512 packs each K slice of A once
    # and runs the tiles along rows (Notes [GEMM A slice reuse], [GEMM tile order])
    (301, 519, 545),
    # three K slices of A, each reused by three NC blocks, and a ragged last MC block
    (310, 1100, 700),
    # past AVX2's float32 MC, KC and NC (144, 384, 1024) at once, every edge ragged
    (150, 400, 1050),
    # A read in place with rows 4 KiB apart (one L1 set), in tiles of MR / 2 rows where L1D
    # has fewer ways than MR (Note [GEMM direct A rows]): full, ragged and one-row-short tiles
    (64, 512, 10), (29, 1024, 20), (17, 512, 40),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_gemm_all_transposes(isa, dtype, shape):
    _check_all_transposes(isa, dtype, shape, seed=shape[0] * 10007 + shape[1] * 101 + shape[2])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", [(200, 300, 150), (7, 500, 300), (400, 64, 9), (1, 512, 512),
                                   (129, 130, 131), (700, 600, 1), (64, 784, 512),
                                   (784, 1, 512), (700, 300, 1100),
                                   # cut in two with 3 K slices x 2 (float64: 3) NC blocks
                                   # each, ragged edges
                                   (600, 800, 1100)], ids=lambda s: "x".join(map(str, s)))
def test_gemm_threads(isa, dtype, shape, threads):
    _check_all_transposes(isa, dtype, shape, seed=42 + shape[0])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", [(1, 1, 1), (7, 300, 17), (13, 33, 35), (150, 600, 70), (5, 0, 9),
                                   (1, 70, 33), (45, 70, 1), (30, 900, 200),
                                   # a vector times a matrix, an outer product, a thin N past
                                   # kParallelBytes: split far below the flop threshold
                                   (1, 600, 301), (299, 600, 1), (300, 1, 500), (200, 1000, 3),
                                   (301, 519, 545)],
                         ids=lambda s: "x".join(map(str, s)))
def test_gemm_accumulate(isa, dtype, shape, threads):
    m, k, n = shape
    rng = np.random.default_rng(7)
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        c0 = rng.standard_normal((m, n)).astype(dtype)
        out = MOD[dtype].gemm(isa, a, b, ta, tb, c_init=c0)
        ref = c0.astype(np.float64) + _op(a, ta) @ _op(b, tb)
        _check(out, ref, a, b, ta, tb, dtype)
        bias = rng.standard_normal(n).astype(dtype)
        out = MOD[dtype].gemm(isa, a, b, ta, tb, bias=bias, c_init=c0)
        _check(out, ref + bias, a, b, ta, tb, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("act", ["none", "relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("with_bias", [False, True], ids=["nobias", "bias"])
@pytest.mark.parametrize("shape", [(1, 5, 3), (13, 17, 19), (64, 784, 100), (150, 300, 33), (3, 0, 5),
                                   (45, 500, 333), (301, 519, 545),
                                   (1, 40, 37), (29, 40, 1), (1, 600, 301), (299, 600, 1),
                                   (300, 1, 500), (200, 1000, 3)],
                         ids=lambda s: "x".join(map(str, s)))
def test_gemm_epilogue(isa, dtype, act, with_bias, shape, threads):
    m, k, n = shape
    rng = np.random.default_rng(11)
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        bias = rng.standard_normal(n).astype(dtype) if with_bias else None
        out = MOD[dtype].gemm(isa, a, b, ta, tb, bias=bias, act=act)
        y = _op(a, ta) @ _op(b, tb) + (0 if bias is None else bias.astype(np.float64))
        ref = _act(act, y)
        if act in ("none", "relu"):
            _check(out, ref, a, b, ta, tb, dtype)
        else:  # the activation's own rounding on top of the GEMM's (both are 1-Lipschitz)
            eps = np.finfo(dtype).eps
            scale = np.abs(_op(a, ta)) @ np.abs(_op(b, tb)) + 1
            tol = 4 * eps * np.sqrt(max(k, 1)) * scale + 8 * eps
            assert np.all(np.abs(out - ref) <= tol)


def _check_epilogues(isa, dtype, rng, m, k, n, ta, tb, act):
    """One m x k x n product plain, accumulated onto C with a bias, with bias and ReLU, and
    with `act` (sigmoid or tanh, whose own rounding adds to the GEMM's)."""
    a, b = _operands(rng, m, k, n, ta, tb, dtype)
    y = _op(a, ta) @ _op(b, tb)
    _check(MOD[dtype].gemm(isa, a, b, ta, tb), y, a, b, ta, tb, dtype)
    c0 = rng.standard_normal((m, n)).astype(dtype)
    bias = rng.standard_normal(n).astype(dtype)
    out = MOD[dtype].gemm(isa, a, b, ta, tb, bias=bias, c_init=c0)
    _check(out, c0 + y + bias, a, b, ta, tb, dtype)
    out = MOD[dtype].gemm(isa, a, b, ta, tb, bias=bias, act="relu")
    _check(out, _act("relu", y + bias), a, b, ta, tb, dtype)
    out = MOD[dtype].gemm(isa, a, b, ta, tb, act=act)
    eps = np.finfo(dtype).eps
    tol = 4 * eps * np.sqrt(k) * (np.abs(_op(a, ta)) @ np.abs(_op(b, tb)) + 1) + 8 * eps
    assert np.all(np.abs(out - _act(act, y)) <= tol)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 16, 17])
def test_gemm_narrow_n(isa, dtype, n, threads):
    # Note [GEMM narrow N]: 2 <= n <= W/2 columns (m > 2, A not transposed) run as dot
    # products in column groups of 4 with a masked tail along k (n > 4 only from k = 256);
    # with A transposed, up to W columns run as axpy blocks of rows (masked row tails; n > 12
    # only from k = 128). Rows around the widths, every k around them and past the
    # thresholds, accumulate, bias and the activations.
    rng = np.random.default_rng(n)
    for m, k in itertools.product([3, 5, 13, 37, 70], [1, 7, 8, 15, 16, 17, 100, 128, 256, 300]):
        for ta, tb in itertools.product([False, True], repeat=2):
            _check_epilogues(isa, dtype, rng, m, k, n, ta, tb, "tanh")
    # non-contiguous B columns (a row stride past n) and NaN propagation through the dot products
    a = rng.standard_normal((9, 300)).astype(dtype)
    wide = rng.standard_normal((300, 3 * n)).astype(dtype)
    b = wide[:, ::3]
    _check(MOD[dtype].gemm(isa, a, np.ascontiguousarray(b), False, False), _op(a, False) @ _op(b, False),
           a, b, False, False, dtype)
    a[4, 17] = np.nan
    out = MOD[dtype].gemm(isa, a, np.ascontiguousarray(b), False, False)
    assert np.isnan(out[4]).all() and not np.isnan(np.delete(out, 4, axis=0)).any()


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("n", [2, 5, 16])
def test_gemm_narrow_transposed_a_long_k_runs_in_chunks(isa, dtype, n, threads):
    # Aᵀ·B with a narrow B (a weight gradient over many rows: conv3d's filter gradient) sums
    # K in chunks of ~256 KiB of A; accumulate, bias and the activations apply once, after
    # the last chunk. Row counts around the 64-row blocks, k past one, two and many chunks.
    rng = np.random.default_rng(100 + n)
    for m, k in [(70, 2000), (300, 1000), (13, 6000), (64, 1025)]:
        for tb in (False, True):
            _check_epilogues(isa, dtype, rng, m, k, n, True, tb, "tanh")
    # the chunks follow the whole product's rows: 1 and 2 threads sum in the same order
    a = rng.standard_normal((3000, 300)).astype(dtype)
    b = rng.standard_normal((3000, n)).astype(dtype)
    outs = []
    for th in (1, 2):
        _core.set_num_threads(th)
        outs.append(MOD[dtype].gemm(isa, a, b, True, False))
    _core.set_num_threads(threads)
    np.testing.assert_array_equal(outs[0], outs[1])


_GUARD_PAGE = textwrap.dedent(r"""
    import ctypes, itertools, mmap, sys
    import numpy as np
    from tapegrad import _core
    K = _core._kernels
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    PAGE = mmap.PAGESIZE
    # 16 pages and an unreadable one after them: an array placed to end at the boundary faults
    # on any read past its last element.
    DATA = 16 * PAGE
    buf = mmap.mmap(-1, DATA + PAGE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    assert libc.mprotect(base + DATA, PAGE, 0) == 0, ctypes.get_errno()
    def at_page_end(x):
        y = np.frombuffer(buf, dtype=x.dtype, count=x.size, offset=DATA - x.nbytes).reshape(x.shape)
        y[...] = x
        return y
    rng = np.random.default_rng(0)
    isa = sys.argv[1]
    for dtype in (np.float32, np.float64):
        for n in range(1, 19):
            for k in (1, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 100):
                for m, ta, tb in itertools.product((3, 5, 13), (False, True), (False, True)):
                    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
                    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
                    want = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b)
                    for ga, gb in ((False, True), (True, False)):
                        aa = at_page_end(a) if ga else a
                        bb = at_page_end(b) if gb else b
                        mod = K.f32 if dtype == np.float32 else K.f64
                        out = mod.gemm(isa, aa, bb, ta, tb)
                        assert np.allclose(out, want, rtol=1e-4, atol=1e-4), (dtype, m, k, n, ta, tb)
    print("ok")
""")


@pytest.mark.skipif(sys.platform == "win32", reason="the unreadable guard page is made with POSIX mprotect; Windows would need VirtualProtect")
def test_gemm_reads_nothing_past_its_operands(isa):
    # The narrow path packs op(B)'s columns with 8-wide reads from each row of B (Note [GEMM
    # narrow N]); for a B a few columns wide, the last block's reads ran past B's end by up to
    # TB - n elements. Each operand is put right before an unreadable page: a read past it
    # faults, so this runs in a subprocess.
    r = subprocess.run([sys.executable, "-c", _GUARD_PAGE, isa], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.returncode, r.stderr[-2000:])


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("n", [18, 21, 24, 40, 100, 135])
def test_gemm_narrow_right_edge(isa, dtype, n, threads):
    # Note [GEMM narrow N]: on AVX-512 float32 the last n % 16 columns (2-8 of them) run as
    # dot products next to the tiles of the others; either side of the k thresholds, with
    # accumulate, bias and the activations, both layouts of B.
    rng = np.random.default_rng(n)
    for m, k in itertools.product([3, 13, 70], [7, 15, 16, 31, 32, 100, 300]):
        for tb in (False, True):
            _check_epilogues(isa, dtype, rng, m, k, n, False, tb, "sigmoid")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", [(5, 7, 9), (33, 20, 17), (64, 128, 64), (297, 270, 530)],
                         ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("bcast", ["none", "a", "b"])
def test_gemm_batched(isa, dtype, shape, bcast, threads):
    m, k, n = shape
    rng = np.random.default_rng(3)
    batch = 5
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = _operands(rng, m, k, n, ta, tb, dtype, batch=batch)
        if bcast == "a":
            a = np.ascontiguousarray(a[0])  # 2-D next to 3-D: stride_a = 0
        if bcast == "b":
            b = np.ascontiguousarray(b[0])
        out = MOD[dtype].gemm(isa, a, b, ta, tb)
        ref = _op(a, ta) @ _op(b, tb)
        assert out.shape == (batch, m, n)
        for i in range(batch):
            ai = a if a.ndim == 2 else a[i]
            bi = b if b.ndim == 2 else b[i]
            _check(out[i], ref[i], ai, bi, ta, tb, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", [(7, 19, 21), (40, 300, 50)], ids=lambda s: "x".join(map(str, s)))
def test_gemm_nan_inf_propagate(isa, dtype, shape):
    # Zeros are never skipped: 0 * inf = NaN must reach C exactly where the reference has it,
    # and the padding of edge tiles / packed panels must not leak NaN into valid entries.
    m, k, n = shape
    rng = np.random.default_rng(5)
    for ta, tb in itertools.product([False, True], repeat=2):
        a, b = _operands(rng, m, k, n, ta, tb, dtype)
        opa = a.T if ta else a
        opb = b.T if tb else b
        opa[2, 3] = np.inf
        opb[3, 4] = 0.0
        opa[m - 1, k - 1] = np.nan
        opb[k - 2, n - 1] = -np.inf
        with np.errstate(invalid="ignore", over="ignore"):
            ref = opa.astype(np.float64) @ opb.astype(np.float64)
            out = MOD[dtype].gemm(isa, a, b, ta, tb)
            out_relu = MOD[dtype].gemm(isa, a, b, ta, tb, act="relu")
        assert np.array_equal(np.isnan(out), np.isnan(ref))
        assert np.array_equal(np.isinf(out), np.isinf(ref))
        assert np.array_equal(np.isnan(out_relu), np.isnan(ref))  # ReLU keeps NaN


def test_gemm_rejects_bad_shapes():
    a = np.ones((3, 4), np.float32)
    with pytest.raises(ValueError):
        K.f32.gemm(ISAS[-1], a, np.ones((5, 2), np.float32))
