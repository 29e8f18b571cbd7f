"""tapegrad.keras: Keras' training API (layers, losses, metrics, optimizers, Sequential).

    from tapegrad import keras
    model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    history = model.fit(x, y, epochs=10, batch_size=32)

Every op of a training step is a tapegrad C++ op recorded on a GradientTape; the names,
defaults and formulas are Keras'.
"""

from . import activations, callbacks, initializers, layers, losses  # noqa: F401
from . import metrics, optimizers, regularizers, utils  # noqa: F401
from . import constraints  # noqa: F401
from . import utils as backend  # noqa: F401 (clear_session, epsilon, floatx)
from . import models  # noqa: F401
from . import saving  # noqa: F401 (model.save / load_model, serialize_keras_object)
from .layers import Input  # noqa: F401
from .models import Model, Sequential  # noqa: F401

__all__ = ["activations", "callbacks", "initializers", "layers", "losses", "metrics",
           "optimizers", "regularizers", "utils", "backend", "models", "Model", "Sequential", "Input",
           "saving", "constraints"]
