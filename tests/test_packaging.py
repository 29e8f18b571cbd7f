"""Packaging checks: the installed package ships py.typed and the _core stubs, the stubs name
every public binding with the bindings' parameters, and every public function has a docstring.
"""

import ast
import inspect
import pathlib
import re
import types

import pytest

import tapegrad
from tapegrad import _core

PKG_DIR = pathlib.Path(tapegrad.__file__).parent
STUB = PKG_DIR / "_core.pyi"

# The Python modules whose __all__ is public API (tapegrad.keras's submodules included).
PUBLIC_MODULES = [
    "tapegrad", "tapegrad.math", "tapegrad.nn", "tapegrad.config", "tapegrad.errors",
    "tapegrad.random", "tapegrad.utils", "tapegrad.testing", "tapegrad.keras",
    "tapegrad.keras.layers", "tapegrad.keras.losses", "tapegrad.keras.optimizers", "tapegrad.keras.metrics",
    "tapegrad.keras.activations", "tapegrad.keras.initializers", "tapegrad.keras.models",
    "tapegrad.keras.callbacks", "tapegrad.keras.regularizers", "tapegrad.keras.utils", "tapegrad.keras.schedules", "tapegrad.module",
    "tapegrad.keras.saving", "tapegrad.keras.constraints",
    "tapegrad.data", "tapegrad.nest", "tapegrad.control_flow", "tapegrad.train",
    "tapegrad.debugging", "tapegrad.autodiff", "tapegrad.math.special", "tapegrad.sparse", "tapegrad.ragged",
]


def _stub_tree():
    return ast.parse(STUB.read_text(encoding="utf-8"))


def _stub_toplevel():
    """name -> AST node for every top-level def, class and annotated name in _core.pyi."""
    names = {}
    for node in _stub_tree().body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    names[t.id] = node
    return names


def _stub_classes():
    """class name -> {member name: node}, members of stub-only base classes merged in."""
    top = _stub_toplevel()
    out = {}
    for name, node in top.items():
        if not isinstance(node, ast.ClassDef):
            continue
        members = {}
        for base in node.bases:
            if isinstance(base, ast.Name) and isinstance(top.get(base.id), ast.ClassDef):
                members.update({n.name: n for n in top[base.id].body if isinstance(n, ast.FunctionDef)})
        members.update({n.name: n for n in node.body if isinstance(n, ast.FunctionDef)})
        out[name] = members
    return out


def _split_top_level(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def _runtime_params(fn):
    """[(name, has_default)] from pybind11's signature line, e.g. 'add(x: object, y: object,
    name: object = None) -> object'. Skips `self`."""
    first = (fn.__doc__ or "").splitlines()[0]
    m = re.match(r"^\w+\((.*)\)( -> .*)?$", first)
    assert m, f"unexpected pybind11 signature line {first!r}"
    params = []
    for p in _split_top_level(m.group(1)):
        name = p.split(":")[0].split("=")[0].strip()
        if name in ("self", "*args", "**kwargs"):
            continue
        params.append((name, "=" in p))
    return params


def _stub_params(node, is_method):
    a = node.args
    positional = a.posonlyargs + a.args
    if is_method:
        positional = positional[1:]
    n_defaults = len(a.defaults)
    out = []
    for i, arg in enumerate(positional):
        has_default = i >= len(positional) - n_defaults
        out.append((arg.arg, has_default, arg in a.posonlyargs))
    return out


def _check_signature(qualname, fn, node, is_method):
    runtime = _runtime_params(fn)
    stub = _stub_params(node, is_method)
    assert len(runtime) == len(stub), f"{qualname}: binding has {runtime}, stub has {stub}"
    for (rname, rdef), (sname, sdef, posonly) in zip(runtime, stub):
        if re.fullmatch(r"arg\d+", rname):
            # The binding has no py::arg names: the stub must not offer keywords.
            assert posonly, f"{qualname}: binding argument {rname} is positional-only; mark " \
                            f"stub parameter {sname!r} positional-only (/)"
        else:
            assert rname == sname, f"{qualname}: binding parameter {rname!r}, stub {sname!r}"
        assert rdef == sdef, f"{qualname}({rname}): default in binding={rdef}, stub={sdef}"


def _is_pybind_function(obj):
    return isinstance(obj, types.BuiltinFunctionType) or type(obj).__name__ == "instancemethod"


def test_py_typed_and_stubs_are_installed():
    assert (PKG_DIR / "py.typed").is_file(), "py.typed missing: type checkers would ignore the stubs"
    assert STUB.is_file()


def test_stub_names_every_public_binding():
    stub = _stub_toplevel()
    public = [n for n in dir(_core) if not n.startswith("__")]
    missing = [n for n in public if n not in stub]
    assert not missing, f"tapegrad/_core.pyi lacks {missing}"
    # And no stale entries (stub-only helpers are private aliases or start with an underscore).
    stub_only = {"TensorLike", "DTypeLike", "ShapeLike", "Axis", "_TensorProtocol"}
    stale = [n for n in stub if n not in stub_only and not hasattr(_core, n)]
    assert not stale, f"tapegrad/_core.pyi names {stale}, which _core does not have"


def test_stub_function_signatures_match_bindings():
    stub = _stub_toplevel()
    checked = 0
    for name in dir(_core):
        obj = getattr(_core, name)
        if name.startswith("__") or not _is_pybind_function(obj):
            continue
        node = stub.get(name)
        assert isinstance(node, ast.FunctionDef), f"_core.{name} is a function; the stub has {node}"
        _check_signature(f"_core.{name}", obj, node, is_method=False)
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("cls_name", ["Tensor", "Variable", "_Tape", "_VariableWatcher"])
def test_stub_methods_match_bindings(cls_name):
    cls = getattr(_core, cls_name)
    members = _stub_classes()[cls_name]
    for name, obj in vars(cls).items():
        if (name.startswith("__") and name != "__init__") or name.startswith("_pybind11"):
            continue  # dunders (operators are in the stub, unchecked) and pybind11's own helpers
        if isinstance(obj, property):
            assert name in members, f"{cls_name}.{name} (property) is not in the stub"
            continue
        if not callable(obj) or type(obj).__name__ != "instancemethod":
            continue  # methods tapegrad/__init__.py adds in Python are checked by name only
        assert name in members, f"{cls_name}.{name} is not in the stub"
        _check_signature(f"{cls_name}.{name}", obj.__func__, members[name], is_method=True)


def _public_objects():
    seen = set()
    for modname in PUBLIC_MODULES:
        mod = __import__(modname, fromlist=["_"])
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType) or id(obj) in seen:
                continue
            seen.add(id(obj))
            yield f"{modname}.{name}", obj


def _doc_text(obj):
    """The docstring without pybind11's generated signature line(s)."""
    doc = inspect.getdoc(obj) or ""
    if _is_pybind_function(obj):
        lines = doc.splitlines()
        name = getattr(obj, "__name__", "")
        lines = [ln for ln in lines if not re.match(rf"^{re.escape(name)}\(.*\)( -> .*)?$", ln)]
        doc = "\n".join(lines)
    return doc.strip()


def test_every_public_function_and_class_has_a_docstring():
    undocumented = []
    for qualname, obj in _public_objects():
        if callable(obj) and not _doc_text(obj):
            undocumented.append(qualname)
    assert not undocumented, f"no docstring: {undocumented}"


def test_public_methods_have_docstrings():
    # Every public method and property of every public class (Tensor, Variable, GradientTape,
    # the Keras layers/optimizers/...): dunders and _private names excepted; an override may
    # inherit its base class's docstring.
    undocumented = []
    for qualname, cls in _public_objects():
        if not isinstance(cls, type) or issubclass(cls, BaseException):
            continue
        for name, obj in vars(cls).items():
            if name.startswith("_") or not (callable(obj) or isinstance(obj, property)):
                continue
            if isinstance(obj, property):
                doc = obj.__doc__ or ""
                for base in cls.__mro__[1:]:
                    if doc.strip():
                        break
                    inherited = vars(base).get(name)
                    doc = getattr(inherited, "__doc__", None) or ""
            else:
                doc = _doc_text(getattr(cls, name))
            if not doc.strip():
                undocumented.append(f"{qualname}.{name}")
    assert not undocumented, f"no docstring: {undocumented}"
