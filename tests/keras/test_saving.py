"""keras.saving: get_config / from_config of every layer (found by walking the keras modules),
of initializers, regularizers, optimizers, schedules, losses and metrics; serialize /
deserialize_keras_object, the registry and custom objects; Sequential, functional and
subclassed models through get_config, to_json and model.save / load_model (same predictions
bit for bit, same config, the optimizer's state restored so that training continues
identically); clone_model; ModelCheckpoint; and the errors of bad files and unknown names."""

import inspect
import io
import json
import os
import pkgutil
import zipfile
from importlib import import_module

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import layers as L
from tapegrad.keras.layers import Layer
from tapegrad.keras.saving import (deserialize_keras_object, register_keras_serializable,
                                   serialize_keras_object)

RNG = np.random.default_rng(0)
PKG = "tapegrad_test_saving"  # the registry package of this file's custom objects


def _f32(*shape, low=-1.0, high=1.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


def _ints(*shape, high=5, seed=0):
    return np.random.default_rng(seed).integers(0, high, shape).astype(np.int32)


@register_keras_serializable(package=PKG)
def doubled_plus_one(x):
    """A named custom function (Lambda's and a custom activation's)."""
    return x * 2.0 + 1.0


@register_keras_serializable(package=PKG)
def scaled_tanh(x):
    """A custom activation."""
    return tf.tanh(x) * 1.5


# -- every layer class -----------------------------------------------------------------------------

def _layer_classes():
    """Every public Layer subclass defined in tapegrad.keras's modules (each once)."""
    pkg = import_module("tapegrad.keras")
    found = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = import_module(f"tapegrad.keras.{info.name}")
        for name, obj in vars(mod).items():
            if (isinstance(obj, type) and issubclass(obj, Layer) and not obj.__name__.startswith("_")
                    and obj.__module__.startswith("tapegrad.keras")):
                found[obj.__name__] = obj
    return found


def _seq():
    return keras.Sequential([keras.Input(shape=(4,)), L.Dense(3, activation="relu"), L.Dense(2)],
                            name="inner_seq")


def _functional():
    a = keras.Input(shape=(4,), name="fa")
    b = keras.Input(shape=(4,), name="fb")
    shared = L.Dense(3, name="f_shared")
    out = L.Add(name="f_add")([shared(a), shared(b)])
    return keras.Model({"a": a, "b": b}, out, name="inner_functional")


# name -> (layer factory, inputs factory, how to call). The arguments are not the defaults where
# that checks that get_config records them.
_INIT = keras.initializers.RandomNormal(stddev=0.2, seed=3)
RECIPES = {
    "Layer": (lambda: Layer(name="plain_layer"), lambda: _f32(2, 3)),
    "InputLayer": (lambda: L.InputLayer(shape=(3,), name="in_layer"), None),
    "Dense": (lambda: L.Dense(3, activation="tanh", kernel_initializer=_INIT,
                              bias_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.1),
                              bias_regularizer="l1", activity_regularizer="l2"), lambda: _f32(2, 4)),
    "Activation": (lambda: L.Activation(scaled_tanh), lambda: _f32(2, 4)),
    "Flatten": (lambda: L.Flatten(), lambda: _f32(2, 3, 4)),
    "Reshape": (lambda: L.Reshape((2, -1)), lambda: _f32(2, 3, 4)),
    "Conv2D": (lambda: L.Conv2D(3, (3, 2), strides=(2, 1), padding="same", dilation_rate=1,
                                activation="relu", kernel_initializer="he_normal",
                                kernel_regularizer="l2"), lambda: _f32(2, 6, 5, 2)),
    "Conv1D": (lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2, use_bias=False),
               lambda: _f32(2, 7, 2)),
    "Conv2DTranspose": (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same",
                                                  bias_initializer="ones"), lambda: _f32(1, 3, 4, 2)),
    "Conv1DTranspose": (lambda: L.Conv1DTranspose(2, 3, strides=2), lambda: _f32(2, 4, 3)),
    "DepthwiseConv2D": (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same",
                                                  depthwise_initializer="lecun_uniform"),
                        lambda: _f32(1, 5, 5, 2)),
    "SeparableConv2D": (lambda: L.SeparableConv2D(4, 3, depth_multiplier=2,
                                                  depthwise_initializer="ones",
                                                  pointwise_initializer="glorot_normal"),
                        lambda: _f32(1, 5, 5, 2)),
    "MaxPooling2D": (lambda: L.MaxPooling2D((2, 3), strides=1, padding="same"), lambda: _f32(1, 4, 5, 2)),
    "AveragePooling2D": (lambda: L.AveragePooling2D(2), lambda: _f32(1, 4, 4, 2)),
    "MaxPooling1D": (lambda: L.MaxPooling1D(3, strides=2), lambda: _f32(2, 7, 2)),
    "AveragePooling1D": (lambda: L.AveragePooling1D(2, padding="same"), lambda: _f32(2, 5, 2)),
    "GlobalAveragePooling1D": (lambda: L.GlobalAveragePooling1D(keepdims=True), lambda: _f32(2, 5, 3)),
    "GlobalMaxPooling1D": (lambda: L.GlobalMaxPooling1D(), lambda: _f32(2, 5, 3)),
    "GlobalAveragePooling2D": (lambda: L.GlobalAveragePooling2D(), lambda: _f32(2, 3, 4, 3)),
    "GlobalMaxPooling2D": (lambda: L.GlobalMaxPooling2D(keepdims=True), lambda: _f32(2, 3, 4, 3)),
    "ZeroPadding2D": (lambda: L.ZeroPadding2D(((1, 0), (2, 1))), lambda: _f32(1, 3, 3, 2)),
    "UpSampling2D": (lambda: L.UpSampling2D((2, 3)), lambda: _f32(1, 2, 2, 2)),
    "Dropout": (lambda: L.Dropout(0.3, noise_shape=(None, 1), seed=4), lambda: _f32(3, 4)),
    "BatchNormalization": (lambda: L.BatchNormalization(momentum=0.9, epsilon=1e-2,
                                                        gamma_initializer=_INIT,
                                                        moving_variance_initializer="ones"),
                           lambda: _f32(4, 3)),
    "LayerNormalization": (lambda: L.LayerNormalization(axis=[1, 2], center=False,
                                                        gamma_initializer="random_uniform"),
                           lambda: _f32(2, 3, 4)),
    "Embedding": (lambda: L.Embedding(6, 3, embeddings_initializer="uniform", mask_zero=True),
                  lambda: _ints(2, 4, high=6)),
    "Masking": (lambda: L.Masking(mask_value=0.5), lambda: _f32(2, 3, 2)),
    "SimpleRNN": (lambda: L.SimpleRNN(3, activation="relu", return_sequences=True,
                                      go_backwards=True, recurrent_initializer="glorot_uniform"),
                  lambda: _f32(2, 4, 3)),
    "LSTM": (lambda: L.LSTM(3, unit_forget_bias=False, return_state=True,
                            bias_initializer="ones"), lambda: _f32(2, 4, 3)),
    "GRU": (lambda: L.GRU(3, reset_after=False, recurrent_activation="hard_sigmoid"),
            lambda: _f32(2, 4, 3)),
    "SimpleRNNCell": (lambda: L.SimpleRNNCell(3), lambda: (_f32(2, 4), [_f32(2, 3, seed=1)])),
    "LSTMCell": (lambda: L.LSTMCell(3), lambda: (_f32(2, 4), [_f32(2, 3, seed=1), _f32(2, 3, seed=2)])),
    "GRUCell": (lambda: L.GRUCell(3, reset_after=True), lambda: (_f32(2, 4), [_f32(2, 3, seed=1)])),
    "StackedRNNCells": (lambda: L.StackedRNNCells([L.SimpleRNNCell(3), L.GRUCell(2)]),
                        lambda: (_f32(2, 4), [_f32(2, 3, seed=1), _f32(2, 2, seed=2)])),
    "RNN": (lambda: L.RNN([L.LSTMCell(3), L.SimpleRNNCell(2)], return_sequences=True),
            lambda: _f32(2, 4, 3)),
    "Add": (lambda: L.Add(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Subtract": (lambda: L.Subtract(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Multiply": (lambda: L.Multiply(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Average": (lambda: L.Average(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Maximum": (lambda: L.Maximum(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Minimum": (lambda: L.Minimum(), lambda: [_f32(2, 3), _f32(2, 3, seed=1)]),
    "Concatenate": (lambda: L.Concatenate(axis=1), lambda: [_f32(2, 3), _f32(2, 2, seed=1)]),
    "Dot": (lambda: L.Dot(axes=(2, 2), normalize=True), lambda: [_f32(2, 3, 4), _f32(2, 5, 4, seed=1)]),
    "Lambda": (lambda: L.Lambda(doubled_plus_one, output_shape=(3,)), lambda: _f32(2, 3)),
    "TimeDistributed": (lambda: L.TimeDistributed(L.Dense(2, activation="sigmoid")),
                        lambda: _f32(2, 4, 3)),
    "Bidirectional": (lambda: L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="ave"),
                      lambda: _f32(2, 4, 3)),
    "MultiHeadAttention": (lambda: L.MultiHeadAttention(2, 3, value_dim=4, output_shape=5,
                                                        kernel_initializer="he_uniform", seed=1),
                           lambda: (_f32(2, 3, 4), _f32(2, 5, 6, seed=1)), "query_value"),
    "Attention": (lambda: L.Attention(use_scale=True, score_mode="concat", seed=2),
                  lambda: [_f32(2, 3, 4), _f32(2, 5, 4, seed=1)]),
    "ReLU": (lambda: L.ReLU(max_value=0.5, negative_slope=0.1, threshold=-0.2), lambda: _f32(2, 4)),
    "LeakyReLU": (lambda: L.LeakyReLU(0.2), lambda: _f32(2, 4)),
    "PReLU": (lambda: L.PReLU(alpha_initializer=_INIT, shared_axes=[1]), lambda: _f32(2, 3, 4)),
    "ELU": (lambda: L.ELU(alpha=0.7), lambda: _f32(2, 4)),
    "Softmax": (lambda: L.Softmax(axis=1), lambda: _f32(2, 4)),
    "ZeroPadding1D": (lambda: L.ZeroPadding1D((1, 2)), lambda: _f32(2, 3, 2)),
    "UpSampling1D": (lambda: L.UpSampling1D(3), lambda: _f32(2, 3, 2)),
    "Cropping1D": (lambda: L.Cropping1D((1, 0)), lambda: _f32(2, 4, 2)),
    "Cropping2D": (lambda: L.Cropping2D(((1, 0), (0, 1))), lambda: _f32(1, 4, 4, 2)),
    "RepeatVector": (lambda: L.RepeatVector(3), lambda: _f32(2, 4)),
    "Permute": (lambda: L.Permute((2, 1)), lambda: _f32(2, 3, 4)),
    "Identity": (lambda: L.Identity(), lambda: _f32(2, 3)),
    "Rescaling": (lambda: L.Rescaling(0.5, offset=1.0), lambda: _f32(2, 3)),
    "Normalization": (lambda: L.Normalization(axis=-1, mean=[0.5, 1.0, 0.0], variance=[2.0, 1.0, 4.0]),
                      lambda: _f32(4, 3)),
    "GaussianNoise": (lambda: L.GaussianNoise(0.3, seed=1), lambda: _f32(2, 3)),
    "GaussianDropout": (lambda: L.GaussianDropout(0.4, seed=1), lambda: _f32(2, 3)),
    "SpatialDropout1D": (lambda: L.SpatialDropout1D(0.3), lambda: _f32(2, 3, 4)),
    "SpatialDropout2D": (lambda: L.SpatialDropout2D(0.3, seed=2), lambda: _f32(2, 3, 3, 4)),
    "Resizing": (lambda: L.Resizing(3, 5, interpolation="nearest", crop_to_aspect_ratio=True),
                 lambda: _f32(1, 4, 4, 2)),
    "CenterCrop": (lambda: L.CenterCrop(2, 3), lambda: _f32(1, 4, 4, 2)),
    "RandomFlip": (lambda: L.RandomFlip("vertical", seed=3), lambda: _f32(1, 3, 3, 2)),
    # keras/augmentation.py
    "RandomRotation": (lambda: L.RandomRotation((-0.2, 0.3), fill_mode="wrap", seed=3),
                       lambda: _f32(1, 3, 3, 2)),
    "RandomZoom": (lambda: L.RandomZoom(0.2, (-0.1, 0.3), fill_mode="constant", seed=3),
                   lambda: _f32(1, 3, 3, 2)),
    "RandomTranslation": (lambda: L.RandomTranslation(0.1, 0.2, interpolation="nearest", seed=3),
                          lambda: _f32(1, 3, 3, 2)),
    "RandomCrop": (lambda: L.RandomCrop(2, 2, seed=3), lambda: _f32(1, 3, 3, 2)),
    "RandomContrast": (lambda: L.RandomContrast(0.3, value_range=[-1, 1], seed=3),
                       lambda: _f32(1, 3, 3, 2)),
    "RandomBrightness": (lambda: L.RandomBrightness(0.1, value_range=[-1, 1], seed=3),
                         lambda: _f32(1, 3, 3, 2)),
    "CategoryEncoding": (lambda: L.CategoryEncoding(6, output_mode="count"), lambda: _ints(3, 2, high=6),
                         "plain"),
    "Discretization": (lambda: L.Discretization(bin_boundaries=[-0.5, 0.0, 0.5]), lambda: _f32(3, 4),
                       "plain"),
    # keras/lookup.py
    "IntegerLookup": (lambda: L.IntegerLookup(vocabulary=[3, 1, 4], num_oov_indices=2, mask_token=0,
                                              output_mode="count"), lambda: _ints(3, 4, high=6),
                      "plain"),
    "GroupNormalization": (lambda: L.GroupNormalization(groups=2, epsilon=0.01,
                                                        beta_initializer="ones"), lambda: _f32(2, 3, 4)),
    "UnitNormalization": (lambda: L.UnitNormalization(axis=[1, 2]), lambda: _f32(2, 3, 4)),
    "RMSNormalization": (lambda: L.RMSNormalization(axis=[2, 1], epsilon=1e-3), lambda: _f32(2, 3, 4)),
    "AdditiveAttention": (lambda: L.AdditiveAttention(dropout=0.1, seed=2),
                          lambda: [_f32(2, 3, 4), _f32(2, 5, 4, seed=1)]),
    "EinsumDense": (lambda: L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de",
                                          activation="tanh", kernel_regularizer="l2"),
                    lambda: _f32(2, 3, 4)),
    "SpatialDropout3D": (lambda: L.SpatialDropout3D(0.3, data_format="channels_first", seed=2),
                         lambda: _f32(2, 3, 2, 2, 2)),
    "Sequential": (_seq, lambda: _f32(2, 4)),
    "Model": (_functional, lambda: {"a": _f32(2, 4), "b": _f32(2, 4, seed=1)}),
    # keras/conv3d.py
    "Conv3D": (lambda: L.Conv3D(2, (2, 3, 2), strides=(1, 2, 1), padding="same", groups=2,
                                activation="relu"), lambda: _f32(1, 3, 4, 4, 4)),
    "Conv3DTranspose": (lambda: L.Conv3DTranspose(2, 2, strides=2, bias_initializer="ones"),
                        lambda: _f32(1, 2, 3, 2, 3)),
    "MaxPooling3D": (lambda: L.MaxPooling3D((2, 2, 1)), lambda: _f32(1, 4, 4, 3, 2)),
    "AveragePooling3D": (lambda: L.AveragePooling3D(2, strides=1, padding="same"),
                         lambda: _f32(1, 3, 3, 3, 2)),
    "GlobalMaxPooling3D": (lambda: L.GlobalMaxPooling3D(keepdims=True), lambda: _f32(1, 2, 3, 2, 2)),
    "GlobalAveragePooling3D": (lambda: L.GlobalAveragePooling3D(), lambda: _f32(1, 2, 3, 2, 2)),
    "UpSampling3D": (lambda: L.UpSampling3D((1, 2, 2)), lambda: _f32(1, 2, 2, 2, 2)),
    "ZeroPadding3D": (lambda: L.ZeroPadding3D(((1, 0), (0, 1), (1, 1))), lambda: _f32(1, 2, 2, 2, 2)),
    "Cropping3D": (lambda: L.Cropping3D(((1, 0), (0, 1), (1, 1))), lambda: _f32(1, 3, 3, 4, 2)),
    "DepthwiseConv1D": (lambda: L.DepthwiseConv1D(3, depth_multiplier=2, padding="same"),
                        lambda: _f32(2, 5, 3)),
    "SeparableConv1D": (lambda: L.SeparableConv1D(4, 3, depth_multiplier=2), lambda: _f32(2, 5, 3)),
}

LAYER_CLASSES = _layer_classes()


def test_every_layer_class_has_a_recipe():
    # A new layer class makes this fail until it gets a recipe here (and a complete get_config).
    missing = sorted(set(LAYER_CLASSES) - set(RECIPES))
    assert not missing, f"no round-trip recipe for {missing}"


def _flat(out):
    if isinstance(out, dict):
        return [np.asarray(out[k]) for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [a for o in out for a in _flat(o)]
    return [np.asarray(out)]


def _run(layer, recipe):
    inputs = recipe[1]()
    how = recipe[2] if len(recipe) > 2 else None
    if how == "query_value":
        return layer(*inputs, training=False)
    if how == "plain":  # preprocessing layers without a training flag
        return layer(inputs)
    if isinstance(inputs, tuple):  # a cell: (inputs, states)
        return layer(inputs[0], inputs[1])
    return layer(inputs, training=False)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_layer_config_round_trip(name):
    assert name in LAYER_CLASSES, f"a recipe for {name}, which is not a public layer class"
    recipe = RECIPES[name]
    tf.random.set_seed(1)
    layer = recipe[0]()
    assert type(layer) is LAYER_CLASSES[name]
    out = None if recipe[1] is None else _run(layer, recipe)
    config = layer.get_config()
    # in memory: equal configs, and with the same weights the same outputs
    again = type(layer).from_config(config)
    assert type(again) is type(layer)
    assert again.get_config() == config
    # through JSON, as a saved model stores it
    text = json.dumps(serialize_keras_object(layer))
    revived = deserialize_keras_object(json.loads(text))
    assert type(revived) is type(layer) and revived.get_config() == config
    if out is None:
        return
    for clone in (again, revived):
        _run(clone, recipe)  # builds whatever the first call builds
        assert [tuple(v.shape) for v in clone.weights] == [tuple(v.shape) for v in layer.weights]
        clone.set_weights(layer.get_weights())
        for a, b in zip(_flat(_run(clone, recipe)), _flat(out)):
            np.testing.assert_array_equal(a, b)


# Named constructor parameters that a config legitimately does not repeat.
_NOT_IN_CONFIG = {"input_shape", "activity_regularizer", "kwargs", "args"}
_ALIASES = {"InputLayer": {"shape", "batch_size", "sparse"}, "Model": {"inputs", "outputs"},
            "Sequential": set()}


# Layers whose recipe calls them (their weights exist), and InputLayer.
_CONSTRUCTED = sorted(n for n in RECIPES if RECIPES[n][1] is not None or n == "InputLayer")


@pytest.mark.parametrize("name", _CONSTRUCTED)
def test_config_names_every_constructor_argument(name):
    assert name in LAYER_CLASSES, f"a recipe for {name}, which is not a public layer class"
    tf.random.set_seed(1)
    layer = RECIPES[name][0]()
    params = [p for p in inspect.signature(type(layer).__init__).parameters.values()][1:]
    named = {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    missing = named - set(layer.get_config()) - _NOT_IN_CONFIG - _ALIASES.get(name, set())
    assert not missing, f"{name}.get_config() lacks {sorted(missing)}"
    assert {"name"} | ({"trainable"} if name != "InputLayer" else set()) <= set(layer.get_config())


def test_layer_configs_keep_keras_names_and_forms():
    cfg = L.Dense(3, activation="relu", kernel_regularizer="l2").get_config()
    assert cfg["activation"] == "relu" and cfg["dtype"] == "float32"
    assert cfg["kernel_initializer"] == {"module": "tapegrad.keras.initializers",
                                         "class_name": "GlorotUniform", "config": {"seed": None},
                                         "registered_name": None}
    assert cfg["kernel_regularizer"]["class_name"] == "L2"
    assert cfg["kernel_regularizer"]["config"] == {"l2": 0.01}
    assert cfg["bias_regularizer"] is None
    conv = L.Conv1DTranspose(2, 3, strides=2).get_config()
    assert conv["kernel_size"] == (3,) and conv["strides"] == (2,)
    assert L.SeparableConv2D(2, 3).get_config()["pointwise_initializer"]["class_name"] == "GlorotUniform"
    custom = L.Dense(2, activation=scaled_tanh).get_config()["activation"]
    assert custom["registered_name"] == f"{PKG}>scaled_tanh" and custom["class_name"] == "function"
    # a tuple comes back as a tuple through JSON (Keras would give a list)
    revived = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(L.Conv2D(2, 3)))))
    assert revived.kernel_size == (3, 3) and revived.get_config()["strides"] == (1, 1)


def test_bidirectional_and_wrappers_keep_their_inner_layers():
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True, name="enc"), merge_mode="concat")
    x = _f32(2, 3, 4)
    out = bi(x)
    revived = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(bi))))
    assert revived.forward_layer.name == "forward_enc" and revived.backward_layer.name == "backward_enc"
    assert revived.backward_layer.go_backwards and not revived.forward_layer.go_backwards
    revived(x)
    revived.set_weights(bi.get_weights())
    np.testing.assert_array_equal(revived(x).numpy(), out.numpy())


def test_discretization_config_keeps_adapted_boundaries():
    d = L.Discretization(num_bins=4)
    d.adapt(np.arange(100.0))
    again = L.Discretization.from_config(d.get_config())
    assert again.bin_boundaries == d.bin_boundaries and again.num_bins == 4
    np.testing.assert_array_equal(again(np.arange(100.0)).numpy(), d(np.arange(100.0)).numpy())
    with pytest.raises(ValueError, match="num_bins - 1"):
        L.Discretization(bin_boundaries=[0.0, 1.0], num_bins=5)


# -- custom layers: get_config written, automatic, or missing ----------------------------------------

@register_keras_serializable(package=PKG)
class ScaleLayer(Layer):
    """A custom layer with a weight and a get_config."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), "ones")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        cfg = super().get_config()
        cfg.update(factor=self.factor)
        return cfg


class AutoConfigLayer(Layer):
    """No get_config: plain constructor arguments are recorded (Keras 3's auto config)."""

    def __init__(self, units, scale=1.0, name=None):
        super().__init__(name=name)
        self.units, self.scale = units, scale

    def call(self, inputs):
        return inputs * self.scale


class OpaqueLayer(Layer):
    """No get_config, and an argument that is not a plain value."""

    def __init__(self, table, **kwargs):
        super().__init__(**kwargs)
        self.table = table


def test_custom_layer_with_get_config_round_trips_through_registration():
    layer = ScaleLayer(3.0, name="scaler")
    cfg = serialize_keras_object(layer)
    assert cfg["registered_name"] == f"{PKG}>ScaleLayer" and cfg["config"]["factor"] == 3.0
    revived = deserialize_keras_object(json.loads(json.dumps(cfg)))
    assert isinstance(revived, ScaleLayer) and revived.get_config() == layer.get_config()


def test_automatic_config_of_plain_arguments_and_the_error_otherwise():
    layer = AutoConfigLayer(4, scale=0.5, name="auto")
    assert layer.get_config() == {"name": "auto", "units": 4, "scale": 0.5}
    with pytest.raises(TypeError, match="Could not locate class 'AutoConfigLayer'"):
        deserialize_keras_object(serialize_keras_object(layer))  # not registered
    again = deserialize_keras_object(serialize_keras_object(layer),
                                     custom_objects={"AutoConfigLayer": AutoConfigLayer})
    assert again.units == 4 and again.scale == 0.5 and again.name == "auto"
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        OpaqueLayer(table=np.ones(3)).get_config()


# -- initializers, regularizers, optimizers, schedules, losses, metrics ---------------------------------

def _public_classes(module, base):
    return sorted((n, c) for n, c in vars(module).items()
                  if isinstance(c, type) and issubclass(c, base) and not n.startswith("_")
                  and n in getattr(module, "__all__", ()))


@pytest.mark.parametrize("name, cls", [(n, c) for n, c in _public_classes(keras.initializers, keras.initializers.Initializer)
                                       if c is not keras.initializers.Initializer])  # the abstract base: no round trip
def test_initializer_round_trip(name, cls):
    init = cls(value=0.5) if cls is keras.initializers.Constant else cls()
    config = keras.initializers.serialize(init)
    again = keras.initializers.deserialize(json.loads(json.dumps(config)))
    assert type(again) is cls and again.get_config() == init.get_config()
    assert keras.initializers.get(config).get_config() == init.get_config()
    if hasattr(init, "seed"):
        seeded = cls(seed=7)
        np.testing.assert_array_equal(type(seeded).from_config(seeded.get_config())((3, 4)).numpy(),
                                      seeded((3, 4)).numpy())


def test_regularizer_round_trips():
    for reg in (keras.regularizers.L1(0.3), keras.regularizers.L2(0.2), keras.regularizers.L1L2(0.1, 0.4)):
        again = keras.regularizers.get(json.loads(json.dumps(keras.regularizers.serialize(reg))))
        assert type(again) is type(reg) and again.get_config() == reg.get_config()
    with pytest.raises(ValueError, match="regularizer identifier"):
        keras.regularizers.get({"class_name": "NoSuchRegularizer", "config": {}})


OPTIMIZERS = [
    lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, clipnorm=1.0),
    lambda: keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.01, 3, 0.5),
                                  amsgrad=True),
    lambda: keras.optimizers.AdamW(0.01, weight_decay=0.1),
    lambda: keras.optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: keras.optimizers.Adagrad(0.05, initial_accumulator_value=0.2),
    lambda: keras.optimizers.Adadelta(1.0, rho=0.9),
    lambda: keras.optimizers.Adamax(0.02),
    lambda: keras.optimizers.Nadam(0.01),
    lambda: keras.optimizers.Ftrl(0.05, l1_regularization_strength=0.01, beta=0.1),
    lambda: keras.optimizers.Lion(0.003, global_clipnorm=2.0),
]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=lambda f: type(f()).__name__)
def test_optimizer_config_round_trip(make):
    opt = make()
    config = json.loads(json.dumps(keras.optimizers.serialize(opt)))
    again = keras.optimizers.deserialize(config)
    assert type(again) is type(opt)
    assert json.dumps(keras.optimizers.serialize(again)) == json.dumps(config)
    assert type(keras.optimizers.get(config)) is type(opt)


@pytest.mark.parametrize("schedule", [
    keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    keras.optimizers.schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
    keras.optimizers.schedules.PolynomialDecay(0.1, 10, power=2.0, cycle=True),
    keras.optimizers.schedules.InverseTimeDecay(0.1, 4, 0.5),
    keras.optimizers.schedules.CosineDecay(0.1, 20, alpha=0.1, warmup_target=0.2, warmup_steps=3),
    keras.optimizers.schedules.CosineDecayRestarts(0.1, 5, t_mul=1.5, m_mul=0.8),
], ids=lambda s: type(s).__name__)
def test_schedule_round_trip(schedule):
    again = keras.optimizers.schedules.deserialize(
        json.loads(json.dumps(keras.optimizers.schedules.serialize(schedule))))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert [again(s) for s in range(25)] == [schedule(s) for s in range(25)]


LOSSES = [
    lambda: keras.losses.MeanSquaredError(reduction="sum"),
    lambda: keras.losses.MeanAbsoluteError(name="l1"),
    lambda: keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    lambda: keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, axis=-1),
    lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    lambda: keras.losses.Huber(delta=0.5),
    lambda: keras.losses.LogCosh(),
    lambda: keras.losses.KLDivergence(),
    lambda: keras.losses.Poisson(),
    lambda: keras.losses.Hinge(),
    lambda: keras.losses.SquaredHinge(),
    lambda: keras.losses.CategoricalHinge(),
    lambda: keras.losses.CosineSimilarity(axis=1),
    lambda: keras.losses.MeanSquaredLogarithmicError(),
    lambda: keras.losses.MeanAbsolutePercentageError(),
    lambda: keras.losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=1.5),
    lambda: keras.losses.LossFunctionWrapper(keras.losses.huber, name="wrapped", delta=0.3),
]


@pytest.mark.parametrize("make", LOSSES, ids=lambda f: f().name)
def test_loss_round_trip(make):
    loss = make()
    again = keras.losses.deserialize(json.loads(json.dumps(keras.losses.serialize(loss))))
    assert type(again) is type(loss) and again.get_config() == loss.get_config()
    y = _f32(4, 3, low=0.0, high=1.0)
    p = _f32(4, 3, low=0.05, high=0.95, seed=1)
    if isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
        y = np.array([0, 2, 1, 1])
    assert float(again(y, p)) == float(loss(y, p))


# The arguments of the classes that have required ones (as Keras: no defaults there).
REQUIRED_ARGS = {
    "IoU": dict(num_classes=3, target_class_ids=[0, 2]), "MeanIoU": dict(num_classes=3),
    "OneHotIoU": dict(num_classes=3, target_class_ids=[1]), "OneHotMeanIoU": dict(num_classes=3),
    "PrecisionAtRecall": dict(recall=0.5), "RecallAtPrecision": dict(precision=0.5),
    "SensitivityAtSpecificity": dict(specificity=0.5), "SpecificityAtSensitivity": dict(sensitivity=0.5),
}


def test_loss_and_metric_classes_all_round_trip():
    checked = 0
    for module, base in ((keras.losses, keras.losses.Loss), (keras.metrics, keras.metrics.Metric)):
        for name, cls in _public_classes(module, base):
            if cls in (keras.losses.Loss, keras.metrics.Metric, keras.losses.LossFunctionWrapper,
                       keras.metrics.MeanMetricWrapper):
                continue
            obj = cls(**REQUIRED_ARGS.get(name, {}))
            again = module.deserialize(json.loads(json.dumps(module.serialize(obj))))
            assert type(again) is cls and again.get_config() == obj.get_config(), name
            checked += 1
    assert checked >= 40


def test_metric_round_trip_with_arguments():
    for metric in (keras.metrics.BinaryAccuracy(threshold=0.3), keras.metrics.TopKCategoricalAccuracy(k=2),
                   keras.metrics.Precision(thresholds=[0.3, 0.6], name="p"),
                   keras.metrics.AUC(num_thresholds=50, curve="PR", from_logits=True),
                   keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, name="wrapped",
                                                   threshold=0.2)):
        again = keras.metrics.deserialize(json.loads(json.dumps(keras.metrics.serialize(metric))))
        assert type(again) is type(metric) and again.get_config() == metric.get_config()
        y, p = np.array([[1.0], [0.0], [1.0]]), np.array([[0.25], [0.4], [0.9]], np.float32)
        np.testing.assert_array_equal(np.asarray(again(y, p)), np.asarray(metric(y, p)))


# -- serialize_keras_object / deserialize_keras_object: special values ---------------------------------

def test_special_values_round_trip():
    value = {"t": (1, (2, None)), "a": np.arange(6, dtype=np.int64).reshape(2, 3), "s": slice(1, None, 2),
             "e": Ellipsis, "b": b"bytes", "f": 0.1, "n": [None, True, "x"], "dt": tf.float64,
             "tensor": tf.constant([[1.5, 2.0]])}
    back = deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(value))))
    assert back["t"] == (1, (2, None)) and back["s"] == slice(1, None, 2) and back["e"] is Ellipsis
    assert back["b"] == b"bytes" and back["f"] == 0.1 and back["n"] == [None, True, "x"]
    assert back["dt"] == "float64"
    assert back["a"].dtype == np.int64 and back["a"].tolist() == [[0, 1, 2], [3, 4, 5]]
    assert back["tensor"].dtype == tf.float32 and back["tensor"].numpy().tolist() == [[1.5, 2.0]]
    assert serialize_keras_object(np.float32(0.5)) == 0.5


def test_serialize_refuses_what_it_cannot_describe():
    with pytest.raises(TypeError, match="Cannot serialize object"):
        serialize_keras_object(object())
    with pytest.raises(TypeError, match="dict keys must be strings"):
        serialize_keras_object({1: 2})
    with pytest.raises(TypeError, match="KerasTensor"):
        serialize_keras_object(keras.Input(shape=(2,)))
    with pytest.raises(TypeError, match="the class Dense itself"):
        serialize_keras_object(L.Dense)


def test_registry_and_scopes():
    assert keras.saving.get_registered_name(scaled_tanh) == f"{PKG}>scaled_tanh"
    assert keras.utils.get_custom_objects()[f"{PKG}>scaled_tanh"] is scaled_tanh
    assert keras.saving.get_registered_object(f"{PKG}>scaled_tanh") is scaled_tanh
    assert keras.saving.get_registered_name(len) == "len"  # not registered: its own name

    def local_fn(x):
        return x
    assert keras.saving.get_registered_object("local_fn") is None
    with keras.utils.custom_object_scope({"local_fn": local_fn}):
        assert keras.saving.get_registered_object("local_fn") is local_fn
        assert keras.activations.get("local_fn") is local_fn
        with keras.saving.custom_object_scope({"other": len}):
            assert keras.saving.get_registered_object("local_fn") is local_fn
    assert keras.saving.get_registered_object("local_fn") is None
    with pytest.raises(ValueError, match="get_config"):
        register_keras_serializable(PKG)(type("NoConfig", (), {}))
    with pytest.raises(ValueError, match="package"):
        register_keras_serializable("a>b")
    with pytest.raises(TypeError, match="custom_object_scope"):
        keras.saving.custom_object_scope(["not", "a", "dict"])


def test_unknown_class_and_function_names():
    with pytest.raises(TypeError, match="Could not locate class 'NoSuchLayer'.*register_keras_serializable"):
        deserialize_keras_object({"module": "my.models", "class_name": "NoSuchLayer", "config": {},
                                  "registered_name": "NoSuchLayer"})
    with pytest.raises(TypeError, match="Could not locate function 'nope'"):
        deserialize_keras_object({"module": "tapegrad.keras.activations", "class_name": "function",
                                  "config": "nope", "registered_name": None})
    with pytest.raises(ValueError, match="Could not interpret activation"):
        keras.activations.get("no_such_activation")
    # a module-less config (written by hand) finds tapegrad's classes by name
    dense = deserialize_keras_object({"class_name": "Dense", "config": {"units": 2}})
    assert isinstance(dense, L.Dense) and dense.units == 2


# -- models ------------------------------------------------------------------------------------------

def _data(n=48, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x, (x @ rng.standard_normal((d, 2)) + 0.1).astype(np.float32)


def _assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def _assert_save_load_continue(model, x, y, path, custom_objects=None, batch_size=16):
    """Save, load: same predictions bit for bit and same config; then one more epoch of fit on
    both gives the same weights (the optimizer's state was restored)."""
    before = model.predict(x, verbose=0)
    config = model.get_config()
    model.save(path)
    state = tf.random._generator.bit_generator.state
    loaded = keras.models.load_model(path, custom_objects=custom_objects)
    assert tf.random._generator.bit_generator.state == state  # loading draws nothing
    assert loaded.get_config() == config
    for a, b in zip(_flat(before), _flat(loaded.predict(x, verbose=0))):
        np.testing.assert_array_equal(a, b)
    assert type(loaded.optimizer) is type(model.optimizer)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    tf.random.set_seed(11)
    h1 = model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
    tf.random.set_seed(11)
    h2 = loaded.fit(x, y, epochs=1, batch_size=batch_size, verbose=0)
    assert h1.history == h2.history
    _assert_same_weights(model, loaded)
    return loaded


@pytest.mark.parametrize("make_opt", OPTIMIZERS, ids=lambda f: type(f()).__name__)
def test_sequential_save_load_continues_training_identically(tmp_path, make_opt):
    x, y = _data()
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(8, activation="relu"),
                              L.BatchNormalization(), L.Dropout(0.2), L.Dense(2)])
    model.compile(optimizer=make_opt(), loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    loaded = _assert_save_load_continue(model, x, y, str(tmp_path / "m.keras"))
    assert loaded.metrics_names == model.metrics_names
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)


def test_sequential_built_by_a_call_and_lazy_layers(tmp_path):
    x = _f32(6, 5, 3)
    tf.random.set_seed(0)
    model = keras.Sequential([L.RNN(L.LSTMCell(4)), L.Dense(2)])  # no Input: built by the call
    model(x)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, _f32(6, 2), epochs=1, verbose=0)
    model.save(tmp_path / "lazy.keras")
    loaded = keras.models.load_model(tmp_path / "lazy.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_without_compile(tmp_path):
    x, y = _data()
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert loaded.optimizer is None and not loaded.compiled
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    uncompiled = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2)])
    uncompiled.save(tmp_path / "u.keras")
    assert keras.models.load_model(tmp_path / "u.keras").optimizer is None


def _multi_io_model():
    a = keras.Input(shape=(4,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = L.Dense(5, activation="relu", name="shared")
    inner = keras.Sequential([keras.Input(shape=(10,)), L.Dense(6, activation="tanh"), L.Dense(4)],
                             name="inner")
    joined = L.Concatenate(name="join")([shared(a), shared(L.Dense(4, name="lift")(b))])
    h = inner(joined)
    sub_in = keras.Input(shape=(4,))
    sub = keras.Model(sub_in, L.Dense(2, name="sub_dense")(sub_in) * 0.5 + 1.0, name="sub")
    out1 = L.Dense(1, name="score")(h)
    out2 = L.Softmax(name="probs")(sub(-h[:, :4]))
    return keras.Model([a, b], [out1, out2], name="multi")


def test_functional_multi_io_shared_nested_save_load(tmp_path):
    tf.random.set_seed(0)
    model = _multi_io_model()
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((40, 4)).astype(np.float32), rng.standard_normal((40, 3)).astype(np.float32)]
    ys = [rng.standard_normal((40, 1)).astype(np.float32),
          np.eye(2, dtype=np.float32)[rng.integers(0, 2, 40)]]
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["mse", "categorical_crossentropy"],
                  loss_weights=[1.0, 0.5])
    model.fit(xs, ys, epochs=2, batch_size=8, verbose=0)
    config = model.get_config()
    shared = [entry for entry in config["layers"] if entry["name"] == "shared"][0]
    assert len(shared["inbound_nodes"]) == 2  # one layer, two calls
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["score", 0, 0], ["probs", 0, 0]]
    assert {e["class_name"] for e in config["layers"]} >= {"Sequential", "Functional", "Lambda"}
    loaded = _assert_save_load_continue(model, xs, ys, str(tmp_path / "multi.keras"), batch_size=8)
    assert loaded.get_layer("shared") is not loaded.get_layer("lift")
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]


def test_functional_dict_inputs_and_single_list_output(tmp_path):
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(2,), name="b")
    model = keras.Model({"b": b, "a": a}, [L.Add()([a, L.Dense(2)(b)])])
    x = {"a": _f32(3, 2), "b": _f32(3, 2, seed=1)}
    again = keras.Model.from_config(model.get_config())
    assert again.get_config() == model.get_config()
    model.save(tmp_path / "d.keras")
    loaded = keras.models.load_model(tmp_path / "d.keras")
    out = loaded.predict(x, verbose=0)
    assert isinstance(out, list) and len(out) == 1  # the structure of the outputs is kept
    np.testing.assert_array_equal(out[0], model.predict(x, verbose=0)[0])


def test_shared_layer_at_different_depths():
    # A layer whose second call needs a layer listed after it: the nodes are replayed in turn.
    inp = keras.Input(shape=(3,))
    d = L.Dense(3, name="d")
    e = L.Dense(3, name="e")
    out = d(e(d(inp)))
    model = keras.Model(inp, out)
    again = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    again.set_weights(model.get_weights())
    x = _f32(2, 3)
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_duplicate_layer_names_cannot_be_serialized():
    inp = keras.Input(shape=(2,))
    model = keras.Model(inp, L.Dense(2, name="same")(L.Dense(2, name="same")(inp)))
    with pytest.raises(ValueError, match="'same' is used by two layers"):
        model.get_config()


@register_keras_serializable(package=PKG)
class Residual(keras.Model):
    """A registered subclassed model with a get_config."""

    def __init__(self, units=4, depth=2, **kwargs):
        super().__init__(**kwargs)
        self.units, self.depth = units, depth
        self.blocks = [L.Dense(units, activation="relu") for _ in range(depth)]
        self.head = L.Dense(2)
        self.gain = tf.Variable(np.ones(units, np.float32), name="gain")

    def call(self, inputs, training=None):
        h = inputs
        for block in self.blocks:
            h = h + block(h)
        return self.head(h * self.gain)

    def get_config(self):
        cfg = super().get_config()
        cfg.update(units=self.units, depth=self.depth)
        return cfg


class Unregistered(keras.Model):
    """A subclassed model with a get_config, not registered."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = L.Dense(units)

    def call(self, inputs):
        return self.dense(inputs)

    def get_config(self):
        cfg = super().get_config()
        cfg["units"] = self.units
        return cfg


class NoConfigModel(keras.Model):
    """A subclassed model built from a non-plain value, without get_config."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def call(self, inputs):
        return self.layer(inputs)


def test_subclassed_registered_model_save_load(tmp_path):
    x, y = _data()
    tf.random.set_seed(0)
    model = Residual(units=4, depth=3, name="res")
    model.compile(optimizer=keras.optimizers.RMSprop(0.01, momentum=0.9), loss="mse",
                  metrics=[keras.metrics.MeanAbsoluteError()])
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert model.get_config() == {"name": "res", "trainable": True, "units": 4, "depth": 3}
    loaded = _assert_save_load_continue(model, x, y, str(tmp_path / "res.keras"))
    assert isinstance(loaded, Residual) and loaded.depth == 3 and loaded.name == "res"
    with zipfile.ZipFile(tmp_path / "res.keras") as zf:
        keys = np.load(io.BytesIO(zf.read("model.weights.npz"))).files
    assert "gain/vars/0" not in keys and "vars/0" in keys  # the model's own Variable
    assert "blocks/2/vars/1" in keys and "optimizer/slots/head/vars/0/velocity" in keys


def test_subclassed_model_needs_registration_or_custom_objects(tmp_path):
    x = _f32(5, 2)
    model = Unregistered(units=3, name="unreg")
    model(x)
    path = tmp_path / "u.keras"
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate class 'Unregistered'.*custom_objects"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    with keras.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert isinstance(keras.models.load_model(path), Unregistered)
    with pytest.raises(NotImplementedError, match="must override `get_config\\(\\)`"):
        NoConfigModel(L.Dense(2)).get_config()
    nc = NoConfigModel(L.Dense(2))
    nc(x)
    with pytest.raises(NotImplementedError, match="NoConfigModel"):
        nc.save(tmp_path / "nc.keras")
    assert not os.path.exists(tmp_path / "nc.keras")


def test_custom_objects_in_a_functional_model(tmp_path):
    def my_loss(y_true, y_pred):
        return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    inp = keras.Input(shape=(3,))
    h = ScaleLayer(0.5, name="scale")(L.Dense(3, activation=scaled_tanh)(inp))
    model = keras.Model(inp, L.Lambda(doubled_plus_one)(h))
    model.compile(optimizer="adam", loss=my_loss)
    x, y = _f32(8, 3), _f32(8, 3, seed=1)
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(TypeError, match="Could not locate function 'my_loss'"):
        keras.models.load_model(path)
    assert keras.models.load_model(path, compile=False).optimizer is None  # no loss needed
    loaded = _assert_save_load_continue(model, x, y, str(path), custom_objects={"my_loss": my_loss})
    assert isinstance(loaded.get_layer("scale"), ScaleLayer)


def test_keras_tensor_operators_save_and_load(tmp_path):
    inp = keras.Input(shape=(4,))
    h = L.Dense(4)(inp)
    out = (2.0 - h) * h / 3.0 + (-h)[:, 1:3].__pow__(2.0) @ np.ones((2, 4), np.float32)
    model = keras.Model(inp, out)
    model.save(tmp_path / "ops.keras")
    loaded = keras.models.load_model(tmp_path / "ops.keras")
    x = _f32(3, 4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_python_lambda_needs_safe_mode_false(tmp_path):
    offset = 0.25
    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, L.Lambda(lambda t: tf.reduce_sum(t, axis=-1, keepdims=True) + offset)(inp))
    with pytest.warns(UserWarning, match="lambda"):
        model.save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="safe_mode=False"):
        keras.models.load_model(tmp_path / "lam.keras")
    loaded = keras.models.load_model(tmp_path / "lam.keras", safe_mode=False)
    x = _f32(2, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_to_json_and_model_from_json():
    tf.random.set_seed(0)
    model = _multi_io_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.5), loss="mse")
    text = model.to_json()
    again = keras.models.model_from_json(text)
    assert again.get_config() == model.get_config() and again.compiled
    assert again.optimizer.get_config() == model.optimizer.get_config()
    assert json.loads(text)["class_name"] == "Functional"
    with pytest.raises(TypeError, match="not a model"):
        keras.models.model_from_json(json.dumps(serialize_keras_object(L.Dense(2))))


def test_clone_model_new_weights_same_architecture():
    tf.random.set_seed(0)
    for model, x in ((_multi_io_model(), [_f32(3, 4), _f32(3, 3)]),
                     (keras.Sequential([keras.Input(shape=(4,)), L.Dense(3), L.Dense(2)]), _f32(3, 4))):
        clone = keras.models.clone_model(model)
        assert clone.get_config() == model.get_config()
        assert [tuple(w.shape) for w in clone.weights] == [tuple(w.shape) for w in model.weights]
        assert all(a is not b for a, b in zip(clone.weights, model.weights))
        assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
        clone.set_weights(model.get_weights())
        for a, b in zip(_flat(clone.predict(x, verbose=0)), _flat(model.predict(x, verbose=0))):
            np.testing.assert_array_equal(a, b)
        assert not getattr(clone, "compiled", False)


def test_clone_model_options():
    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, L.Dense(2, name="d")(L.Lambda(doubled_plus_one)(inp)))
    renamed = keras.models.clone_model(
        model, clone_function=lambda layer: type(layer).from_config(
            dict(layer.get_config(), name="c_" + layer.name)))
    assert [l.name for l in renamed.layers][1:] == ["c_" + l.name for l in model.layers][1:]
    new_in = keras.Input(shape=(3,), name="given")
    assert keras.models.clone_model(model, input_tensors=new_in).inputs[0] is new_in
    sub = Residual(units=2, depth=1)
    sub(_f32(2, 2))
    clone = keras.models.clone_model(sub)
    assert isinstance(clone, Residual) and len(clone.weights) == len(sub.weights)
    with pytest.raises(ValueError, match="only supported for Sequential and functional"):
        keras.models.clone_model(sub, clone_function=lambda l: l)
    with pytest.raises(TypeError, match="expected a keras Model"):
        keras.models.clone_model(L.Dense(2))


def test_model_checkpoint_saves_whole_models(tmp_path):
    x, y = _data()
    model = keras.Sequential([keras.Input(shape=(4,)), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    pattern = str(tmp_path / "ck-{epoch:02d}.keras")
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(pattern, monitor="loss")])
    loaded = keras.models.load_model(tmp_path / "ck-02.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations)
    assert os.path.exists(tmp_path / "ck-01.keras")


# -- errors: extensions, files, archives -------------------------------------------------------------

def _small_model():
    model = keras.Sequential([keras.Input(shape=(2,)), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("name, match", [
    ("m.h5", "cannot write the legacy HDF5"),
    ("m.hdf5", "cannot write the legacy HDF5"),
    ("saved_model_dir", "Invalid filepath extension.*model.export"),
    ("m.keras.zip", "Invalid filepath extension"),
])
def test_save_refuses_other_extensions(tmp_path, name, match):
    with pytest.raises(ValueError, match=match):
        _small_model().save(str(tmp_path / name))
    assert not os.path.exists(tmp_path / name)


def test_save_overwrite_and_bad_paths(tmp_path):
    model = _small_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save(path, overwrite=False)
    with pytest.raises(TypeError, match="filepath"):
        model.save(3)
    with pytest.raises(TypeError, match="expected a keras Model"):
        keras.saving.save_model(L.Dense(1), str(tmp_path / "d.keras"))


@pytest.mark.parametrize("name, content, match", [
    ("missing.keras", None, "File not found: filepath="),
    ("m.h5", b"", "cannot read the legacy HDF5"),
    ("saved_model", b"", "File format not supported"),
    ("junk.keras", b"this is not a zip file", "not a valid .keras archive"),
])
def test_load_errors(tmp_path, name, content, match):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        keras.models.load_model(str(path))


def test_load_damaged_archives(tmp_path):
    good = tmp_path / "good.keras"
    _small_model().save(good)
    data = good.read_bytes()
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid .keras archive"):
        keras.models.load_model(truncated)

    def rewrite(name, edit):
        path = tmp_path / name
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
            for member in src.namelist():
                out = edit(member, src.read(member))
                if out is not None:
                    dst.writestr(member, out)
        return path

    with pytest.raises(ValueError, match="has no config.json"):
        keras.models.load_model(rewrite("noconfig.keras", lambda m, b: None if m == "config.json" else b))
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.load_model(rewrite("badjson.keras", lambda m, b: b"{" if m == "config.json" else b))
    with pytest.raises(ValueError, match="not a readable numpy archive"):
        keras.models.load_model(rewrite("badnpz.keras", lambda m, b: b"xx" if m.endswith(".npz") else b))

    def wrong_shape(member, raw):
        if not member.endswith(".npz"):
            return raw
        arrays = dict(np.load(io.BytesIO(raw)))
        key = next(k for k in sorted(arrays) if k.startswith("layers/"))
        arrays[key] = np.zeros((5, 5), np.float32)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()
    with pytest.raises(ValueError, match=r"has shape \(2, 1\) but the file holds shape \(5, 5\)"):
        keras.models.load_model(rewrite("shape.keras", wrong_shape))

    def unknown_class(member, raw):
        if member != "config.json":
            return raw
        return raw.replace(b'"class_name": "Dense"', b'"class_name": "Dense9"')
    with pytest.raises(TypeError, match="Could not locate class 'Dense9'"):
        keras.models.load_model(rewrite("unknown.keras", unknown_class))
    keras_made = rewrite("keras.keras", lambda m, b: None if m.endswith(".npz") else b)
    with zipfile.ZipFile(keras_made, "a") as zf:
        zf.writestr("model.weights.h5", b"HDF")
    with pytest.raises(ValueError, match="written by Keras"):
        keras.models.load_model(keras_made)


def test_archive_layout_and_metadata(tmp_path):
    model = _small_model()
    model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.npz"]
        meta = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
        weights = np.load(io.BytesIO(zf.read("model.weights.npz")))
        names = sorted(weights.files)
    assert meta["format"] == "tapegrad.keras" and meta["tapegrad_version"] == tf.__version__
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["optimizer"]["class_name"] == "SGD"
    assert config["compile_config"]["loss"] == "mse"
    dense = model.layers[0].name
    assert names == sorted([f"layers/{dense}/vars/0", f"layers/{dense}/vars/1", "optimizer/iterations"])


def test_nested_sequential_masks_and_frozen_layers(tmp_path):
    tf.random.set_seed(0)
    encoder = keras.Sequential([L.Embedding(10, 4, mask_zero=True), L.LSTM(3, return_sequences=True)],
                               name="encoder")
    model = keras.Sequential([keras.Input(shape=(5,)), encoder, L.GlobalAveragePooling1D(),
                              L.Dense(2, name="frozen", trainable=False)])
    model.compile(optimizer="adam", loss="mse")
    x = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8], [9, 0, 0, 0, 0]], np.float32)
    model.fit(x, _f32(3, 2), epochs=1, verbose=0)
    model.save(tmp_path / "nested.keras")
    loaded = keras.models.load_model(tmp_path / "nested.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not loaded.get_layer("frozen").trainable
    assert len(loaded.trainable_weights) == len(model.trainable_weights)
    assert isinstance(loaded.layers[0], keras.Sequential) and loaded.layers[0].name == "encoder"


def test_public_names():
    assert "saving" in keras.__all__ and keras.saving.load_model is keras.models.load_model
    assert keras.utils.custom_object_scope is keras.saving.custom_object_scope
    assert keras.utils.serialize_keras_object is serialize_keras_object
    for module in (keras.initializers, keras.regularizers, keras.activations, keras.losses,
                   keras.metrics, keras.optimizers, keras.optimizers.schedules):
        assert callable(module.serialize) and callable(module.deserialize)
