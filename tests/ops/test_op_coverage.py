"""Every row of ops.def has a gradient test.

The registry is read from the tests themselves: each tests/ops/test_*.py parametrizes its
``test_gradient`` (and ``test_second_order``) over its ``CASES``, and each case names the
ops.def rows it covers (run_gradient also asserts the tape really recorded them). Adding a row
to ops.def without a case that checks its gradient fails here.
"""

import importlib
import pathlib

import tapegrad as tf

HERE = pathlib.Path(__file__).parent


def _parametrized_cases(fn):
    for mark in getattr(fn, "pytestmark", []):
        if mark.name == "parametrize" and mark.args[0] == "case":
            return list(mark.args[1])
    return []


def registry(test_name="test_gradient"):
    """op name -> ["test_module::test_name[case id]", ...] for every parametrized case."""
    reg = {}
    for path in sorted(HERE.glob("test_*.py")):
        mod = importlib.import_module(path.stem)
        fn = getattr(mod, test_name, None)
        for case in _parametrized_cases(fn) if fn else []:
            for op in case.ops:
                reg.setdefault(op, []).append(f"{path.name}::{test_name}[{case.id}]")
    return reg


def test_every_op_has_a_gradient_test():
    reg = registry("test_gradient")
    missing = [op for op in tf._core.op_names() if op not in reg]
    assert not missing, f"ops.def rows without a gradient test in tests/ops: {missing}"


def test_every_op_has_a_second_order_test():
    reg = registry("test_second_order")
    missing = [op for op in tf._core.op_names() if op not in reg]
    assert not missing, f"ops.def rows without a second-order test in tests/ops: {missing}"


def test_registry_names_only_real_ops():
    names = set(tf._core.op_names())
    unknown = {op: tests for op, tests in registry().items() if op not in names}
    assert not unknown, f"cases claim ops that are not rows of ops.def: {unknown}"


def test_op_names_match_ops_def():
    # op_names() is generated from ops.def; the file is the source of truth for reviewers.
    ops_def = HERE.parents[1] / "csrc" / "ops" / "ops.def"
    if not ops_def.exists():  # running against an installed package without the sources
        return
    rows = [line.split("(")[1].split(",")[0] for line in ops_def.read_text().splitlines()
            if line.startswith("TG_OP(")]
    assert rows == list(tf._core.op_names())
