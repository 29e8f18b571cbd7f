"""tapegrad.custom_gradient: TF's decorator for functions with a hand-written gradient."""

import functools
import inspect

from . import _core, _nest

__all__ = ["custom_gradient"]


def custom_gradient(f=None):
    """Decorate ``f(*x) -> (y, grad_fn)`` so tapes use ``grad_fn`` as its gradient.

    ``grad_fn(*upstream)`` returns one gradient per input ``x`` (a tensor or a list). When
    ``f`` reads trainable Variables, ``grad_fn`` must accept ``variables=`` and return
    ``(input_grads, variable_grads)``, as in TF.
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        from . import convert_to_tensor
        watcher = _core._VariableWatcher()
        try:
            out = f(*args, **kwargs)
            variables = watcher.variables()
        finally:
            del watcher
        # Not `result, grad_fn = out`: a 2-element tensor would unpack into two rows.
        if not (isinstance(out, (tuple, list)) and len(out) == 2 and callable(out[1])):
            raise TypeError(
                f"custom_gradient: {getattr(f, '__name__', 'the function')} must return a pair "
                f"(result, grad_fn) with a callable grad_fn, got {type(out).__name__!r}")
        result, grad_fn = out
        inputs = [a if isinstance(a, (_core.Tensor, _core.Variable)) else convert_to_tensor(a)
                  for a in _nest.flatten(list(args))]
        # Variables passed as arguments are inputs already, not extra variables.
        arg_ids = {id(a) for a in inputs}
        variables = [v for v in variables if id(v) not in arg_ids]
        if variables:
            params = inspect.signature(grad_fn).parameters
            takes_vars = "variables" in params or any(
                p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
            if not takes_vars:
                raise TypeError(
                    "If using @custom_gradient with a function that uses variables, then "
                    "grad_fn must accept a keyword argument 'variables'."
                )
        flat_result = _nest.flatten(result)
        outputs = [_core._fresh_alias(r) for r in flat_result]

        def backward(upstream):
            if variables:
                input_grads, var_grads = grad_fn(*upstream, variables=variables)
                var_grads = list(_nest.flatten(var_grads))
                if len(var_grads) != len(variables):
                    raise ValueError(
                        f"custom_gradient: grad_fn returned {len(var_grads)} variable "
                        f"gradients for {len(variables)} variables")
            else:
                input_grads, var_grads = grad_fn(*upstream), []
            input_grads = _nest.flatten(input_grads) if isinstance(input_grads, (list, tuple)) \
                else [input_grads]
            if len(input_grads) != len(inputs):
                raise ValueError(
                    f"custom_gradient function expected to return {len(inputs)} gradients, "
                    f"but returned {len(input_grads)} instead."
                )
            return list(input_grads) + list(var_grads)

        _core._record_custom_gradient(inputs + variables, outputs, backward)
        return _nest.pack_sequence_as(result, outputs)

    return decorated
