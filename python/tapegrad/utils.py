"""tapegrad.utils: seeing what a GradientTape recorded (Graphviz DOT text, or a picture).

``tape_to_dot(tape)`` needs nothing but the tape; ``plot_tape(tape, "tape.png")`` renders that
text with Graphviz (the ``graphviz`` Python package, or the ``dot`` program) when installed.
"""

import os
import shutil
import subprocess

from . import _core, _nest

__all__ = ["tape_to_dot", "plot_tape"]

_RELEASED_MSG = (
    "tape_to_dot: this non-persistent GradientTape released its record when gradient() was "
    "called, so there is nothing left to draw. Call tape_to_dot before gradient(), or record "
    "with GradientTape(persistent=True)."
)


def _quote(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _core_tape(tape):
    inner = getattr(tape, "_tape", tape)
    if not hasattr(inner, "entries") or not hasattr(inner, "slot_of"):
        raise TypeError(f"tape_to_dot: expected a tapegrad.GradientTape, got {type(tape).__name__!r}")
    return inner


def _slots_of(inner, tensors):
    out = {}
    for t in _nest.flatten(tensors) if tensors is not None else []:
        if isinstance(t, (_core.Tensor, _core.Variable)):
            slot = inner.slot_of(t)
            if slot >= 0:
                out[slot] = t
    return out


def tape_to_dot(tape, targets=None, sources=None, name="tape"):
    """The graph ``tape`` recorded, as Graphviz DOT text (no dependency needed).

    Boxes are the recorded ops (one per tape entry, in recording order); ellipses are the
    tensors the tape tracks, labelled with slot, shape and dtype. Solid black edges are the
    forward computation; dashed red edges are the backward edges ``gradient()`` walks (from
    an op's output gradient, through its vjp, to each input the tape watches). Inputs the
    tape does not watch appear as small grey 'const' nodes with no backward edge.

    Sources (green) are ``sources`` if given, else every watched tensor no recorded op
    produced (watched constants and variables, named when they are Variables). Targets
    (blue, double border) are ``targets`` if given, else the outputs no later op consumed.
    Works on persistent tapes before or after ``gradient``; a non-persistent tape frees its
    record in ``gradient``, so draw it before that call (a ValueError explains otherwise).
    """
    inner = _core_tape(tape)
    entries = inner.entries()
    if not entries and getattr(tape, "_used", False):
        raise ValueError(_RELEASED_MSG)

    produced = {}   # slot -> (entry index, shape, dtype)
    consumed = set()
    for i, (op, ins, outs, shapes, dtype) in enumerate(entries):
        for s in ins:
            if s >= 0:
                consumed.add(s)
        for s, shp in zip(outs, shapes):
            produced[s] = (i, tuple(shp), dtype)

    named = {}
    try:
        for v in inner.watched_variables():
            slot = inner.slot_of(v)
            if slot >= 0:
                named[slot] = v
    except Exception:  # noqa: BLE001 - a released tape may not list them; names are optional
        pass
    given_sources = _slots_of(inner, sources)
    given_targets = _slots_of(inner, targets)
    leaves = sorted(s for s in consumed if s not in produced)
    source_slots = set(given_sources) if sources is not None else set(leaves)
    if targets is not None:
        target_slots = set(given_targets)
    else:
        target_slots = {s for s in produced if s not in consumed}

    lines = [f"digraph {_quote(name)} {{",
             "  rankdir=TB;",
             '  node [fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']
    if not entries:
        lines.append('  empty [shape=plaintext, label="(the tape recorded no operations)"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    slots = sorted(set(produced) | consumed | set(given_sources) | set(given_targets))
    for s in slots:
        obj = next((d[s] for d in (named, given_sources, given_targets) if s in d), None)
        if s in produced:
            _, shp, dtype = produced[s]
        elif obj is not None:
            shp, dtype = tuple(obj.shape), obj.dtype.name
        else:
            shp, dtype = None, None
        title = f"t{s}"
        if isinstance(obj, _core.Variable):
            title = f"{obj.name} (t{s})"
        desc = "watched tensor" if shp is None else f"{_shape_text(shp)} {dtype}"
        role = []
        attrs = ["shape=ellipse"]
        if s in source_slots:
            role.append("source")
            attrs += ['style=filled', 'fillcolor="#d9f2d9"']
        if s in target_slots:
            role.append("target")
            attrs += ['peripheries=2', 'color="#1f5fbf"']
            if s not in source_slots:
                attrs += ['style=filled', 'fillcolor="#dce8fa"']
        label = title + "\n" + desc + (("\n[" + ", ".join(role) + "]") if role else "")
        lines.append(f"  t{s} [{', '.join(attrs)}, label={_quote(label)}];")

    for i, (op, ins, outs, shapes, dtype) in enumerate(entries):
        lines.append(f'  op{i} [shape=box, style="rounded,filled", fillcolor="#f3f3f3", '
                     f'label={_quote(f"{op}  #{i}")}];')
        for j, s in enumerate(ins):
            if s < 0:
                lines.append(f'  c{i}_{j} [shape=plaintext, fontcolor=gray50, fontsize=8, label="const"];')
                lines.append(f'  c{i}_{j} -> op{i} [color=gray70, label="{j}"];')
            else:
                lines.append(f'  t{s} -> op{i} [label="{j}"];')
        for s in outs:
            lines.append(f"  op{i} -> t{s};")
        # Backward: the output's gradient enters the vjp, which sends one to each watched input.
        for s in outs:
            lines.append(f'  t{s} -> op{i} [style=dashed, color="#c0392b", constraint=false, arrowsize=0.6];')
        for s in ins:
            if s >= 0:
                lines.append(f'  op{i} -> t{s} [style=dashed, color="#c0392b", constraint=false, '
                             f'arrowsize=0.6];')
    lines.append('  labelloc=b;')
    lines.append('  label="solid: forward ops recorded on the tape    dashed red: backward edges '
                 'gradient() walks (vjp)\\nsources: green    targets: blue, double border";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def plot_tape(tape, filename="tape.png", targets=None, sources=None):
    """Render ``tape_to_dot(tape, targets, sources)`` to ``filename`` (format from its suffix:
    png, svg, pdf, ...) and return the file's absolute path.

    Uses the ``graphviz`` Python package, or else the Graphviz ``dot`` program on PATH.
    Raises ImportError with install instructions when neither is available.
    """
    dot = tape_to_dot(tape, targets=targets, sources=sources)
    fmt = os.path.splitext(filename)[1].lstrip(".").lower() or "png"
    path = os.path.abspath(filename)
    try:
        import graphviz  # noqa: F401
    except ImportError:
        graphviz = None
    if graphviz is not None:
        try:
            data = graphviz.Source(dot).pipe(format=fmt)
        except graphviz.ExecutableNotFound:
            data = None
        if data is not None:
            with open(path, "wb") as f:
                f.write(data)
            return path
    exe = shutil.which("dot")
    if exe is not None:
        subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot.encode(), check=True,
                       capture_output=True)
        return path
    raise ImportError(
        "plot_tape needs Graphviz to draw the picture: `pip install graphviz` and the Graphviz "
        "program (`apt-get install graphviz`, `brew install graphviz` or https://graphviz.org). "
        "The DOT text itself is available without it: tapegrad.utils.tape_to_dot(tape)."
    )
