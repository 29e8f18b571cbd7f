"""IntegerLookup against Keras 3.15 / TF 2.21: every case below was run with
``keras.layers.IntegerLookup`` (TF backend) and its result is hard-coded in EXPECTED (values,
dtypes, shapes; the error class for the cases Keras refuses). The same case functions then run
on tapegrad. Plus tapegrad-only checks: Sequential / functional fit and predict, the .keras
round trip (constructor vocabulary in the config, an adapted one as an asset), speed."""

import math
import os

import numpy as np
import pytest

import tapegrad as tf

keras = tf.keras
L = keras.layers.IntegerLookup

# -- the cases (run as they are under Keras to make EXPECTED) --

V = [12, 36, 1138, 42]
D = [[5, 3, 3, 7], [7, 1, 9, 5], [2, 2, 8, 0]]
X2 = [[12, 7, 42], [42, 42, 3]]
X3 = [[[12, 7], [42, 1]], [[36, 36], [1138, 5]]]
XM = [12, 7, 8, -7, -1, 0, 9]


def _mk(L, kw, adapt=None, **akw):
    layer = L(**kw)
    if adapt is not None:
        layer.adapt(adapt, **akw)
    return layer


def _vocab(layer):
    return {"vocab": [int(v) for v in layer.get_vocabulary()],
            "vocab_plain": [int(v) for v in layer.get_vocabulary(include_special_tokens=False)],
            "size": int(layer.vocabulary_size())}


def _calls(L, kw, inputs, adapt=None, np=None):
    layer = _mk(L, kw, adapt)
    return [layer(np.array(x)) for x in inputs]


def make_cases(L, tf, np):
    c = {}
    # forward lookup, every mode, every input rank
    for mode in ["int", "one_hot", "multi_hot", "count"]:
        for rank, x in [("r0", 12), ("r1", [12, 7, 42]), ("r2", X2), ("r3", X3), ("n1", [[12], [7], [42]])]:
            c[f"{mode}_{rank}"] = (lambda mode=mode, x=x: L(vocabulary=V, output_mode=mode)(np.array(x)))
            c[f"{mode}_{rank}_mask_oov2"] = (lambda mode=mode, x=x: L(
                vocabulary=V, output_mode=mode, mask_token=7, num_oov_indices=2)(np.array(x)))
        c[f"{mode}_pad"] = (lambda mode=mode: L(vocabulary=V, output_mode=mode, max_tokens=8,
                                                pad_to_max_tokens=True)(np.array(X2)))
    c["int_oov3"] = lambda: L(vocabulary=V, num_oov_indices=3)(np.array(XM))
    c["int_oov3_mask0"] = lambda: L(vocabulary=V, num_oov_indices=3, mask_token=0)(np.array(XM))
    c["count_oov3_mask0"] = lambda: L(vocabulary=V, num_oov_indices=3, mask_token=0,
                                      output_mode="count")(np.array([XM]))
    c["onehot_oov3_mask0"] = lambda: L(vocabulary=V, num_oov_indices=3, mask_token=0,
                                       output_mode="one_hot")(np.array([12, 7, 0]))
    c["int_oov5_big"] = lambda: L(vocabulary=V, num_oov_indices=5)(
        np.array([2 ** 40 + 3, -2 ** 40 - 3, 99, -99, 1000, 12]))
    c["int_oov0"] = lambda: L(vocabulary=V, num_oov_indices=0)(np.array([12, 36, 42]))
    c["int_oov0_err"] = lambda: L(vocabulary=V, num_oov_indices=0)(np.array([12, 7, 8]))
    c["int_oov0_mask"] = lambda: L(vocabulary=V, num_oov_indices=0, mask_token=0)(np.array([12, 0, 36]))
    c["int_list_input"] = lambda: L(vocabulary=V)([12, 36, 5])
    c["int_tensor_input"] = lambda: L(vocabulary=V)(tf.constant([[12, 36], [5, 42]]))
    c["int_int32_input"] = lambda: L(vocabulary=V)(np.array([12, 36, 5], np.int32))
    c["int_float_input"] = lambda: L(vocabulary=V)(np.array([12.0, 36.7, 5.0]))
    c["int_vocab_with_oov_token"] = lambda: [L(vocabulary=[1, -1, 2])(np.array([-1, 2, 5])),
                                             _vocab(L(vocabulary=[1, -1, 2]))]
    c["int_vocab_tensor"] = lambda: L(vocabulary=tf.constant([3, 4]))(np.array([4, 3, 9]))
    c["int_vocab_np"] = lambda: L(vocabulary=np.array([3, 4]))(np.array([4, 3, 9]))
    # tf_idf with given weights
    c["tfidf_given"] = lambda: L(vocabulary=V, output_mode="tf_idf",
                                 idf_weights=[0.25, 0.75, 0.6, 0.4])(
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]))
    c["tfidf_given_special"] = lambda: L(vocabulary=[-1] + V, output_mode="tf_idf",
                                         idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])(
        np.array([[12, 1138, 42, 42], [42, 7, 36, 7]]))
    c["tfidf_given_pad"] = lambda: L(vocabulary=[1, 2], max_tokens=5, pad_to_max_tokens=True,
                                     output_mode="tf_idf", idf_weights=[.5, .25])(np.array([[1, 2, 7, 2]]))
    c["tfidf_given_r1"] = lambda: L(vocabulary=V, output_mode="tf_idf",
                                    idf_weights=[0.25, 0.75, 0.6, 0.4])(np.array([12, 42, 42, 5]))
    c["tfidf_given_mask"] = lambda: L(vocabulary=V, output_mode="tf_idf", mask_token=0,
                                      idf_weights=[0.25, 0.75, 0.6, 0.4])(np.array([[12, 0, 0, 5]]))
    # sparse
    c["sparse_multi_hot"] = lambda: L(vocabulary=V, output_mode="multi_hot", sparse=True)(np.array(X2))
    c["sparse_count"] = lambda: L(vocabulary=V, output_mode="count", sparse=True)(np.array(X2))
    c["sparse_one_hot"] = lambda: L(vocabulary=V, output_mode="one_hot", sparse=True)(np.array([12, 7, 42]))
    # invert
    IDS = [0, 1, 2, 3, 4, 5, -1, 100]
    c["inv"] = lambda: L(vocabulary=V, invert=True)(np.array(IDS))
    c["inv_mask"] = lambda: L(vocabulary=V, invert=True, mask_token=0)(np.array(IDS))
    c["inv_mask_oov2"] = lambda: [L(vocabulary=V, invert=True, mask_token=0, num_oov_indices=2,
                                    oov_token=-9)(np.array(IDS)),
                                  _vocab(L(vocabulary=V, invert=True, mask_token=0,
                                           num_oov_indices=2, oov_token=-9))]
    c["inv_oov0"] = lambda: L(vocabulary=V, invert=True, num_oov_indices=0)(np.array(IDS))
    c["inv_scalar"] = lambda: L(vocabulary=V, invert=True)(np.array(2))
    c["inv_2d_float"] = lambda: L(vocabulary=V, invert=True)(np.array([[1.0, 2.0], [4.0, 0.0]]))
    c["inv_roundtrip"] = lambda: L(vocabulary=L(vocabulary=V).get_vocabulary(), invert=True)(
        L(vocabulary=V)(np.array([[12, 1138, 42], [42, 1000, 36]])))
    # adapt
    c["adapt_basic"] = lambda: [_vocab(_mk(L, {}, np.array(D))), _mk(L, {}, np.array(D))(np.array(D))]
    c["adapt_doc_example"] = lambda: _vocab(_mk(L, {}, np.array([[12, 1138, 42], [42, 1000, 36]])))
    c["adapt_max4"] = lambda: _vocab(_mk(L, {"max_tokens": 4}, np.array(D)))
    c["adapt_max4_mask"] = lambda: _vocab(_mk(L, {"max_tokens": 4, "mask_token": 0}, np.array(D)))
    c["adapt_max4_mask_multihot"] = lambda: _vocab(_mk(L, {"max_tokens": 4, "mask_token": 0,
                                                          "output_mode": "multi_hot"}, np.array(D)))
    c["adapt_mask_oov2"] = lambda: [_vocab(_mk(L, {"mask_token": 0, "num_oov_indices": 2}, np.array(D))),
                                    _mk(L, {"mask_token": 0, "num_oov_indices": 2}, np.array(D))(np.array(D))]
    c["adapt_oov_token3"] = lambda: _vocab(_mk(L, {"oov_token": 3}, np.array(D)))
    c["adapt_drop_oov"] = lambda: _vocab(_mk(L, {}, np.array([-1, -1, 4, -1])))
    c["adapt_only_oov"] = lambda: [_vocab(_mk(L, {}, np.array([-1, -1]))),
                                   _mk(L, {}, np.array([-1, -1]))(np.array([-1, 3]))]
    c["adapt_ties"] = lambda: _vocab(_mk(L, {}, np.array([3, 1, 2, 10, -3, 100, 2 ** 40, -2 ** 40])))
    c["adapt_ties2"] = lambda: _vocab(_mk(L, {}, np.array([4, 4, 9, 9, 1, 7, 7, 7, 2, 2, 1, 0])))
    c["adapt_list"] = lambda: _vocab(_mk(L, {}, [[1, 2], [2, 3]]))
    c["adapt_tensor"] = lambda: _vocab(_mk(L, {}, tf.constant([[1, 2], [2, 3]])))
    c["adapt_scalar"] = lambda: _vocab(_mk(L, {}, 7))
    c["adapt_3d"] = lambda: _vocab(_mk(L, {}, np.array([[[1, 2], [2, 3]], [[3, 3], [1, 1]]])))
    c["adapt_float"] = lambda: _vocab(_mk(L, {}, np.array([1.5, 2.7])))
    c["adapt_empty"] = lambda: _vocab(_mk(L, {}, np.array([], dtype=np.int64)))
    c["adapt_empty_call"] = lambda: _mk(L, {}, np.array([], dtype=np.int64))(np.array([1]))
    c["adapt_pad_multi_hot"] = lambda: _mk(L, {"max_tokens": 6, "pad_to_max_tokens": True,
                                               "output_mode": "multi_hot"}, np.array(D))(np.array(D))
    c["adapt_max_count"] = lambda: _mk(L, {"max_tokens": 4, "output_mode": "count"},
                                       np.array(D))(np.array(D))
    c["adapt_ds_batched"] = lambda: _vocab(_mk(L, {}, tf.data.Dataset.from_tensor_slices(np.array(D)).batch(2)))
    c["adapt_ds_steps"] = lambda: _vocab(_mk(L, {}, tf.data.Dataset.from_tensor_slices(np.array(D)).batch(2), steps=1))
    c["adapt_ds_scalars"] = lambda: _vocab(_mk(L, {}, tf.data.Dataset.from_tensor_slices(np.array([4, 4, 2, 9, 9, 9]))))
    c["adapt_generator"] = lambda: _vocab(_mk(L, {}, iter([np.array([1, 2, 2]), np.array([3, 3, 3]), np.array([9])]), steps=2))
    # adapt tf_idf
    for nm, kw in [("plain", {}), ("pad", {"max_tokens": 6, "pad_to_max_tokens": True}),
                   ("mask", {"mask_token": 0}), ("oov2", {"num_oov_indices": 2}), ("max5", {"max_tokens": 5})]:
        c[f"tfidf_adapt_{nm}"] = (lambda kw=kw: [_vocab(_mk(L, dict(kw, output_mode="tf_idf"), np.array(D))),
                                                 _mk(L, dict(kw, output_mode="tf_idf"), np.array(D))(np.array(D)),
                                                 _mk(L, dict(kw, output_mode="tf_idf"), np.array(D)).idf_weights])
    c["tfidf_adapt_r1"] = lambda: [_mk(L, {"output_mode": "tf_idf"}, np.array([5, 5, 3, 1]))(np.array([5, 3, 9])),
                                   _mk(L, {"output_mode": "tf_idf"}, np.array([5, 5, 3, 1])).idf_weights]
    c["tfidf_adapt_ds"] = lambda: _mk(L, {"output_mode": "tf_idf"},
                                      tf.data.Dataset.from_tensor_slices(np.array(D)).batch(2)).idf_weights
    c["tfidf_adapt_ds_1d_batches"] = lambda: _mk(L, {"output_mode": "tf_idf"},
                                                 tf.data.Dataset.from_tensor_slices(np.array([4, 4, 2, 9, 9, 9])).batch(4)).idf_weights
    c["tfidf_adapt_ds_scalars"] = lambda: _mk(L, {"output_mode": "tf_idf"},
                                              tf.data.Dataset.from_tensor_slices(np.array([4, 4, 2, 9, 9, 9]))).idf_weights
    c["tfidf_adapt_3d_err"] = lambda: _mk(L, {"output_mode": "tf_idf"}, np.array([[[1, 2], [2, 3]]]))
    # re-adapt / set_vocabulary interplay
    def readapt_multi_hot():
        layer = _mk(L, {"output_mode": "multi_hot"}, np.array(D))
        try:
            layer.adapt(np.array([1, 2]))
            err = None
        except RuntimeError as e:
            err = "RuntimeError"
        return [err, _vocab(layer)]
    c["readapt_multi_hot"] = readapt_multi_hot
    def readapt_int():
        layer = _mk(L, {}, np.array(D))
        layer.adapt(np.array([1, 2, 2]))
        a = _vocab(layer)
        layer.adapt(np.array([], dtype=np.int64))
        return [a, _vocab(layer)]
    c["readapt_int"] = readapt_int
    c["adapt_after_ctor_vocab"] = lambda: _mk(L, {"vocabulary": [1, 2]}, np.array(D))
    def adapt_after_set():
        layer = L()
        layer.set_vocabulary([4, 5])
        layer.adapt(np.array(D))
        return _vocab(layer)
    c["adapt_after_set_vocabulary"] = adapt_after_set
    def set_after_call_multi_hot():
        layer = L(output_mode="multi_hot")
        layer.set_vocabulary([4, 5])
        layer(np.array([4]))
        layer.set_vocabulary([4, 5, 6])
    c["set_vocab_grow_multi_hot"] = set_after_call_multi_hot
    def set_twice_int():
        layer = L()
        layer.set_vocabulary([4, 5])
        layer.set_vocabulary([7, 8, 9])
        return [_vocab(layer), layer(np.array([7, 4, 9]))]
    c["set_vocab_twice_int"] = set_twice_int
    def set_tfidf():
        layer = L(output_mode="tf_idf")
        layer.set_vocabulary([1, 2], idf_weights=[1., 2.])
        return layer(np.array([[1, 1, 2, 5]]))
    c["set_vocab_tfidf"] = set_tfidf
    # before any vocabulary
    c["novocab_vocab"] = lambda: [_vocab(L()), _vocab(L(mask_token=0)), _vocab(L(num_oov_indices=0)),
                                  _vocab(L(output_mode="count", mask_token=0, num_oov_indices=2))]
    c["novocab_int"] = lambda: L()(np.array([1, 2]))
    c["novocab_multi_hot"] = lambda: L(output_mode="multi_hot")(np.array([1, 2]))
    c["novocab_pad"] = lambda: L(output_mode="multi_hot", max_tokens=5, pad_to_max_tokens=True)(np.array([1, 2]))
    c["novocab_invert"] = lambda: L(invert=True)(np.array([1, 2]))
    # vocabulary with special tokens
    c["vocab_specials_int"] = lambda: _vocab(L(vocabulary=[0, -1, 1, 2], mask_token=0))
    c["vocab_specials_partial"] = lambda: _vocab(L(vocabulary=[-1, 1, 2], mask_token=0))
    c["vocab_specials_oov"] = lambda: _vocab(L(vocabulary=[-1, 1, 2]))
    c["vocab_specials_oov2"] = lambda: _vocab(L(vocabulary=[-1, -1, 1, 2], num_oov_indices=2))
    c["vocab_max_ok"] = lambda: _vocab(L(vocabulary=[1, 2], max_tokens=3))
    # argument errors
    c["err_max_tokens1"] = lambda: L(max_tokens=1)
    c["err_max_tokens0"] = lambda: L(max_tokens=0)
    c["err_num_oov"] = lambda: L(num_oov_indices=-1)
    c["err_pad_no_max"] = lambda: L(pad_to_max_tokens=True)
    c["err_mode"] = lambda: L(output_mode="foo")
    c["alias_binary"] = lambda: L(output_mode="binary").output_mode
    c["alias_tfidf"] = lambda: L(output_mode="tf-idf").output_mode
    c["err_invert_mode"] = lambda: L(invert=True, output_mode="count")
    c["err_sparse_int"] = lambda: L(sparse=True)
    c["err_idf_not_tfidf"] = lambda: L(idf_weights=[1.0], vocabulary=[1])
    c["err_vocab_dtype"] = lambda: L(vocabulary_dtype="int32")
    c["err_tfidf_no_idf"] = lambda: L(output_mode="tf_idf", vocabulary=[1, 2])
    c["err_repeated"] = lambda: L(vocabulary=[1, 2, 1])
    c["err_repeated2"] = lambda: L(vocabulary=[1, 2, 1, 2, 3])
    c["err_empty"] = lambda: L(vocabulary=[])
    c["err_mask_in_vocab"] = lambda: L(vocabulary=[1, 0, 2], mask_token=0)
    c["err_mask_in_vocab_multi_hot"] = lambda: L(vocabulary=[0, -1, 1, 2], mask_token=0, output_mode="count")
    c["err_oov_in_vocab_invert"] = lambda: L(vocabulary=[1, -1, 2], invert=True)
    c["err_too_big"] = lambda: L(vocabulary=[1, 2, 3], max_tokens=3)
    c["err_idf_len"] = lambda: L(vocabulary=[-1, 1, 2], output_mode="tf_idf", idf_weights=[.5, .25])
    c["err_idf_2d"] = lambda: L(vocabulary=[1, 2], output_mode="tf_idf", idf_weights=[[.5, .25]])
    c["err_set_idf_multi_hot"] = lambda: L(output_mode="multi_hot").set_vocabulary([1, 2], idf_weights=[1., 2.])
    c["err_set_tfidf_no_idf"] = lambda: L(output_mode="tf_idf").set_vocabulary([1, 2])
    c["err_unknown_kw"] = lambda: L(unknown_kw=3)
    c["err_salt_floormod"] = lambda: L(salt=3)
    c["err_oov_method"] = lambda: L(oov_method="nope")
    c["err_vocab_file_missing"] = lambda: L(vocabulary="/nonexistent/vocab.txt")
    # config
    def cfg(layer):
        d = layer.get_config()
        return {k: d[k] for k in ["invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token",
                                  "output_mode", "sparse", "pad_to_max_tokens", "vocabulary_dtype",
                                  "idf_weights", "vocabulary", "vocabulary_size", "oov_method", "salt"]}
    c["config_vocab"] = lambda: cfg(L(vocabulary=V, mask_token=0))
    c["config_tfidf"] = lambda: cfg(L(output_mode="tf_idf", vocabulary=V, idf_weights=[1., 2, 3, 4]))
    c["config_adapted"] = lambda: cfg(_mk(L, {"max_tokens": 10, "num_oov_indices": 2}, np.array([1, 2, 2])))
    c["config_novocab"] = lambda: cfg(L(output_mode="count", max_tokens=7, pad_to_max_tokens=True))
    def from_cfg_adapted():
        layer = L.from_config(_mk(L, {}, np.array([1, 2, 2])).get_config())
        return [_vocab(layer), cfg(layer)]
    c["from_config_adapted"] = from_cfg_adapted
    def from_cfg_vocab():
        layer = L.from_config(L(vocabulary=V, num_oov_indices=2, output_mode="count").get_config())
        return [_vocab(layer), layer(np.array(X2))]
    c["from_config_vocab"] = from_cfg_vocab
    c["output_shape"] = lambda: [list(L(vocabulary=V, output_mode=m).compute_output_shape(s))
                                 for m in ["int", "one_hot", "multi_hot", "tf_idf"]
                                 for s in [(None, 3), (None, 1), (None, 3, 2)] if m != "tf_idf"] + \
        [list(L(output_mode="count", max_tokens=9, pad_to_max_tokens=True).compute_output_shape((None, 4)))]
    return c


# Keras 3.15.1 / TensorFlow 2.21 results of make_cases (errors: the class only).
EXPECTED = {'adapt_3d': {'size': 4, 'vocab': [-1, 3, 1, 2], 'vocab_plain': [3, 1, 2]},
 'adapt_after_ctor_vocab': {'error': 'ValueError'},
 'adapt_after_set_vocabulary': {'size': 9,
                                'vocab': [-1, 7, 5, 3, 2, 9, 8, 1, 0],
                                'vocab_plain': [7, 5, 3, 2, 9, 8, 1, 0]},
 'adapt_basic': [{'size': 9,
                  'vocab': [-1, 7, 5, 3, 2, 9, 8, 1, 0],
                  'vocab_plain': [7, 5, 3, 2, 9, 8, 1, 0]},
                 {'dtype': 'int64',
                  'shape': [3, 4],
                  'value': [[2, 3, 3, 1], [1, 7, 5, 2], [4, 4, 6, 8]]}],
 'adapt_doc_example': {'size': 6,
                       'vocab': [-1, 42, 1138, 1000, 36, 12],
                       'vocab_plain': [42, 1138, 1000, 36, 12]},
 'adapt_drop_oov': {'size': 2, 'vocab': [-1, 4], 'vocab_plain': [4]},
 'adapt_ds_batched': {'size': 9,
                      'vocab': [-1, 7, 5, 3, 2, 9, 8, 1, 0],
                      'vocab_plain': [7, 5, 3, 2, 9, 8, 1, 0]},
 'adapt_ds_scalars': {'size': 4, 'vocab': [-1, 9, 4, 2], 'vocab_plain': [9, 4, 2]},
 'adapt_ds_steps': {'size': 6, 'vocab': [-1, 7, 5, 3, 9, 1], 'vocab_plain': [7, 5, 3, 9, 1]},
 'adapt_empty': {'size': 1, 'vocab': [-1], 'vocab_plain': []},
 'adapt_empty_call': {'error': 'FailedPreconditionError'},
 'adapt_float': {'size': 3, 'vocab': [-1, 2, 1], 'vocab_plain': [2, 1]},
 'adapt_generator': {'size': 4, 'vocab': [-1, 3, 2, 1], 'vocab_plain': [3, 2, 1]},
 'adapt_list': {'size': 4, 'vocab': [-1, 2, 3, 1], 'vocab_plain': [2, 3, 1]},
 'adapt_mask_oov2': [{'size': 10,
                      'vocab': [0, -1, -1, 7, 5, 3, 2, 9, 8, 1],
                      'vocab_plain': [7, 5, 3, 2, 9, 8, 1]},
                     {'dtype': 'int64',
                      'shape': [3, 4],
                      'value': [[4, 5, 5, 3], [3, 9, 7, 4], [6, 6, 8, 0]]}],
 'adapt_max4': {'size': 4, 'vocab': [-1, 7, 5, 3], 'vocab_plain': [7, 5, 3]},
 'adapt_max4_mask': {'size': 4, 'vocab': [0, -1, 7, 5], 'vocab_plain': [7, 5]},
 'adapt_max4_mask_multihot': {'size': 4, 'vocab': [-1, 7, 5, 3], 'vocab_plain': [7, 5, 3]},
 'adapt_max_count': {'dtype': 'int64',
                     'shape': [3, 4],
                     'value': [[0, 1, 1, 2], [2, 1, 1, 0], [4, 0, 0, 0]]},
 'adapt_only_oov': {'error': 'InvalidArgumentError'},
 'adapt_oov_token3': {'size': 8,
                      'vocab': [3, 7, 5, 2, 9, 8, 1, 0],
                      'vocab_plain': [7, 5, 2, 9, 8, 1, 0]},
 'adapt_pad_multi_hot': {'dtype': 'int64',
                         'shape': [3, 6],
                         'value': [[0, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 1], [1, 0, 0, 0, 1, 0]]},
 'adapt_scalar': {'size': 2, 'vocab': [-1, 7], 'vocab_plain': [7]},
 'adapt_tensor': {'size': 4, 'vocab': [-1, 2, 3, 1], 'vocab_plain': [2, 3, 1]},
 'adapt_ties': {'size': 9,
                'vocab': [-1, 1099511627776, 100, 10, 3, 2, 1, -3, -1099511627776],
                'vocab_plain': [1099511627776, 100, 10, 3, 2, 1, -3, -1099511627776]},
 'adapt_ties2': {'size': 7, 'vocab': [-1, 7, 9, 4, 2, 1, 0], 'vocab_plain': [7, 9, 4, 2, 1, 0]},
 'alias_binary': 'multi_hot',
 'alias_tfidf': 'tf_idf',
 'config_adapted': {'idf_weights': None,
                    'invert': False,
                    'mask_token': None,
                    'max_tokens': 10,
                    'num_oov_indices': 2,
                    'oov_method': 'floormod',
                    'oov_token': -1,
                    'output_mode': 'int',
                    'pad_to_max_tokens': False,
                    'salt': None,
                    'sparse': False,
                    'vocabulary': None,
                    'vocabulary_dtype': 'int64',
                    'vocabulary_size': 4},
 'config_novocab': {'idf_weights': None,
                    'invert': False,
                    'mask_token': None,
                    'max_tokens': 7,
                    'num_oov_indices': 1,
                    'oov_method': 'floormod',
                    'oov_token': -1,
                    'output_mode': 'count',
                    'pad_to_max_tokens': True,
                    'salt': None,
                    'sparse': False,
                    'vocabulary': None,
                    'vocabulary_dtype': 'int64',
                    'vocabulary_size': None},
 'config_tfidf': {'idf_weights': [1.0, 2, 3, 4],
                  'invert': False,
                  'mask_token': None,
                  'max_tokens': None,
                  'num_oov_indices': 1,
                  'oov_method': 'floormod',
                  'oov_token': -1,
                  'output_mode': 'tf_idf',
                  'pad_to_max_tokens': False,
                  'salt': None,
                  'sparse': False,
                  'vocabulary': [12, 36, 1138, 42],
                  'vocabulary_dtype': 'int64',
                  'vocabulary_size': 5},
 'config_vocab': {'idf_weights': None,
                  'invert': False,
                  'mask_token': 0,
                  'max_tokens': None,
                  'num_oov_indices': 1,
                  'oov_method': 'floormod',
                  'oov_token': -1,
                  'output_mode': 'int',
                  'pad_to_max_tokens': False,
                  'salt': None,
                  'sparse': False,
                  'vocabulary': [12, 36, 1138, 42],
                  'vocabulary_dtype': 'int64',
                  'vocabulary_size': 6},
 'count_n1': {'dtype': 'int64',
              'shape': [3, 5],
              'value': [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]},
 'count_n1_mask_oov2': {'dtype': 'int64',
                        'shape': [3, 6],
                        'value': [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]},
 'count_oov3_mask0': {'dtype': 'int64', 'shape': [1, 7], 'value': [[1, 1, 3, 1, 0, 0, 0]]},
 'count_pad': {'dtype': 'int64',
               'shape': [2, 8],
               'value': [[1, 1, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 2, 0, 0, 0]]},
 'count_r0': {'dtype': 'int64', 'shape': [5], 'value': [0, 1, 0, 0, 0]},
 'count_r0_mask_oov2': {'dtype': 'int64', 'shape': [6], 'value': [0, 0, 1, 0, 0, 0]},
 'count_r1': {'dtype': 'int64', 'shape': [5], 'value': [1, 1, 0, 0, 1]},
 'count_r1_mask_oov2': {'dtype': 'int64', 'shape': [6], 'value': [0, 0, 1, 0, 0, 1]},
 'count_r2': {'dtype': 'int64', 'shape': [2, 5], 'value': [[1, 1, 0, 0, 1], [1, 0, 0, 0, 2]]},
 'count_r2_mask_oov2': {'dtype': 'int64',
                        'shape': [2, 6],
                        'value': [[0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 2]]},
 'count_r3': {'dtype': 'int64',
              'shape': [2, 2, 5],
              'value': [[[0, 1, 0, 0, 1], [2, 0, 0, 0, 0]], [[0, 0, 1, 1, 0], [1, 0, 1, 0, 0]]]},
 'count_r3_mask_oov2': {'dtype': 'int64',
                        'shape': [2, 2, 6],
                        'value': [[[0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0]],
                                  [[0, 0, 0, 1, 1, 0], [0, 1, 0, 1, 0, 0]]]},
 'err_empty': {'error': 'ValueError'},
 'err_idf_2d': {'error': 'ValueError'},
 'err_idf_len': {'error': 'ValueError'},
 'err_idf_not_tfidf': {'error': 'ValueError'},
 'err_invert_mode': {'error': 'ValueError'},
 'err_mask_in_vocab': {'error': 'ValueError'},
 'err_mask_in_vocab_multi_hot': {'error': 'ValueError'},
 'err_max_tokens0': {'error': 'ValueError'},
 'err_max_tokens1': {'error': 'ValueError'},
 'err_mode': {'error': 'ValueError'},
 'err_num_oov': {'error': 'ValueError'},
 'err_oov_in_vocab_invert': {'error': 'ValueError'},
 'err_oov_method': {'error': 'ValueError'},
 'err_pad_no_max': {'error': 'ValueError'},
 'err_repeated': {'error': 'ValueError'},
 'err_repeated2': {'error': 'ValueError'},
 'err_salt_floormod': {'error': 'ValueError'},
 'err_set_idf_multi_hot': {'error': 'ValueError'},
 'err_set_tfidf_no_idf': {'error': 'ValueError'},
 'err_sparse_int': {'error': 'ValueError'},
 'err_tfidf_no_idf': {'error': 'ValueError'},
 'err_too_big': {'error': 'ValueError'},
 'err_unknown_kw': {'error': 'ValueError'},
 'err_vocab_dtype': {'error': 'ValueError'},
 'err_vocab_file_missing': {'error': 'ValueError'},
 'from_config_adapted': [{'size': 1, 'vocab': [-1], 'vocab_plain': []},
                         {'idf_weights': None,
                          'invert': False,
                          'mask_token': None,
                          'max_tokens': None,
                          'num_oov_indices': 1,
                          'oov_method': 'floormod',
                          'oov_token': -1,
                          'output_mode': 'int',
                          'pad_to_max_tokens': False,
                          'salt': None,
                          'sparse': False,
                          'vocabulary': None,
                          'vocabulary_dtype': 'int64',
                          'vocabulary_size': 3}],
 'from_config_vocab': [{'size': 6,
                        'vocab': [-1, -1, 12, 36, 1138, 42],
                        'vocab_plain': [12, 36, 1138, 42]},
                       {'dtype': 'int64',
                        'shape': [2, 6],
                        'value': [[0, 1, 1, 0, 0, 1], [0, 1, 0, 0, 0, 2]]}],
 'int_float_input': {'dtype': 'int64', 'shape': [3], 'value': [1, 2, 0]},
 'int_int32_input': {'dtype': 'int64', 'shape': [3], 'value': [1, 2, 0]},
 'int_list_input': {'dtype': 'int64', 'shape': [3], 'value': [1, 2, 0]},
 'int_n1': {'dtype': 'int64', 'shape': [3, 1], 'value': [[1], [0], [4]]},
 'int_n1_mask_oov2': {'dtype': 'int64', 'shape': [3, 1], 'value': [[3], [0], [6]]},
 'int_oov0': {'dtype': 'int64', 'shape': [3], 'value': [0, 1, 3]},
 'int_oov0_err': {'error': 'InvalidArgumentError'},
 'int_oov0_mask': {'dtype': 'int64', 'shape': [3], 'value': [1, 0, 2]},
 'int_oov3': {'dtype': 'int64', 'shape': [7], 'value': [3, 1, 2, 2, 2, 0, 0]},
 'int_oov3_mask0': {'dtype': 'int64', 'shape': [7], 'value': [4, 2, 3, 3, 3, 0, 1]},
 'int_oov5_big': {'dtype': 'int64', 'shape': [6], 'value': [4, 1, 4, 1, 0, 5]},
 'int_pad': {'dtype': 'int64', 'shape': [2, 3], 'value': [[1, 0, 4], [4, 4, 0]]},
 'int_r0': {'dtype': 'int64', 'shape': [], 'value': 1},
 'int_r0_mask_oov2': {'dtype': 'int64', 'shape': [], 'value': 3},
 'int_r1': {'dtype': 'int64', 'shape': [3], 'value': [1, 0, 4]},
 'int_r1_mask_oov2': {'dtype': 'int64', 'shape': [3], 'value': [3, 0, 6]},
 'int_r2': {'dtype': 'int64', 'shape': [2, 3], 'value': [[1, 0, 4], [4, 4, 0]]},
 'int_r2_mask_oov2': {'dtype': 'int64', 'shape': [2, 3], 'value': [[3, 0, 6], [6, 6, 2]]},
 'int_r3': {'dtype': 'int64', 'shape': [2, 2, 2], 'value': [[[1, 0], [4, 0]], [[2, 2], [3, 0]]]},
 'int_r3_mask_oov2': {'dtype': 'int64',
                      'shape': [2, 2, 2],
                      'value': [[[3, 0], [6, 2]], [[4, 4], [5, 2]]]},
 'int_tensor_input': {'dtype': 'int64', 'shape': [2, 2], 'value': [[1, 2], [0, 4]]},
 'int_vocab_np': {'dtype': 'int64', 'shape': [3], 'value': [2, 1, 0]},
 'int_vocab_tensor': {'dtype': 'int64', 'shape': [3], 'value': [2, 1, 0]},
 'int_vocab_with_oov_token': [{'dtype': 'int64', 'shape': [3], 'value': [2, 3, 0]},
                              {'size': 4, 'vocab': [-1, 1, -1, 2], 'vocab_plain': [1, -1, 2]}],
 'inv': {'dtype': 'int64', 'shape': [8], 'value': [-1, 12, 36, 1138, 42, -1, -1, -1]},
 'inv_2d_float': {'dtype': 'int64', 'shape': [2, 2], 'value': [[12, 36], [42, -1]]},
 'inv_mask': {'dtype': 'int64', 'shape': [8], 'value': [0, -1, 12, 36, 1138, 42, -1, -1]},
 'inv_mask_oov2': [{'dtype': 'int64', 'shape': [8], 'value': [0, -9, -9, 12, 36, 1138, -9, -9]},
                   {'size': 7,
                    'vocab': [0, -9, -9, 12, 36, 1138, 42],
                    'vocab_plain': [12, 36, 1138, 42]}],
 'inv_oov0': {'dtype': 'int64', 'shape': [8], 'value': [12, 36, 1138, 42, -1, -1, -1, -1]},
 'inv_roundtrip': {'dtype': 'int64', 'shape': [2, 3], 'value': [[12, 1138, 42], [42, -1, 36]]},
 'inv_scalar': {'dtype': 'int64', 'shape': [], 'value': 36},
 'multi_hot_n1': {'dtype': 'int64',
                  'shape': [3, 5],
                  'value': [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]},
 'multi_hot_n1_mask_oov2': {'dtype': 'int64',
                            'shape': [3, 6],
                            'value': [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]},
 'multi_hot_pad': {'dtype': 'int64',
                   'shape': [2, 8],
                   'value': [[1, 1, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0]]},
 'multi_hot_r0': {'dtype': 'int64', 'shape': [5], 'value': [0, 1, 0, 0, 0]},
 'multi_hot_r0_mask_oov2': {'dtype': 'int64', 'shape': [6], 'value': [0, 0, 1, 0, 0, 0]},
 'multi_hot_r1': {'dtype': 'int64', 'shape': [5], 'value': [1, 1, 0, 0, 1]},
 'multi_hot_r1_mask_oov2': {'dtype': 'int64', 'shape': [6], 'value': [0, 0, 1, 0, 0, 1]},
 'multi_hot_r2': {'dtype': 'int64', 'shape': [2, 5], 'value': [[1, 1, 0, 0, 1], [1, 0, 0, 0, 1]]},
 'multi_hot_r2_mask_oov2': {'dtype': 'int64',
                            'shape': [2, 6],
                            'value': [[0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 1]]},
 'multi_hot_r3': {'dtype': 'int64',
                  'shape': [2, 2, 5],
                  'value': [[[0, 1, 0, 0, 1], [1, 0, 0, 0, 0]],
                            [[0, 0, 1, 1, 0], [1, 0, 1, 0, 0]]]},
 'multi_hot_r3_mask_oov2': {'dtype': 'int64',
                            'shape': [2, 2, 6],
                            'value': [[[0, 0, 1, 0, 0, 1], [0, 1, 0, 0, 0, 0]],
                                      [[0, 0, 0, 1, 1, 0], [0, 1, 0, 1, 0, 0]]]},
 'novocab_int': {'error': 'FailedPreconditionError'},
 'novocab_invert': {'error': 'FailedPreconditionError'},
 'novocab_multi_hot': {'error': 'RuntimeError'},
 'novocab_pad': {'error': 'FailedPreconditionError'},
 'novocab_vocab': [{'size': 1, 'vocab': [-1], 'vocab_plain': []},
                   {'size': 2, 'vocab': [0, -1], 'vocab_plain': []},
                   {'size': 0, 'vocab': [], 'vocab_plain': []},
                   {'size': 2, 'vocab': [-1, -1], 'vocab_plain': []}],
 'one_hot_n1': {'dtype': 'int64',
                'shape': [3, 5],
                'value': [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]},
 'one_hot_n1_mask_oov2': {'dtype': 'int64',
                          'shape': [3, 6],
                          'value': [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]},
 'one_hot_pad': {'dtype': 'int64',
                 'shape': [2, 3, 8],
                 'value': [[[0, 1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0],
                            [0, 0, 0, 0, 1, 0, 0, 0]],
                           [[0, 0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0],
                            [1, 0, 0, 0, 0, 0, 0, 0]]]},
 'one_hot_r0': {'dtype': 'int64', 'shape': [1, 5], 'value': [[0, 1, 0, 0, 0]]},
 'one_hot_r0_mask_oov2': {'dtype': 'int64', 'shape': [1, 6], 'value': [[0, 0, 1, 0, 0, 0]]},
 'one_hot_r1': {'dtype': 'int64',
                'shape': [3, 5],
                'value': [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]},
 'one_hot_r1_mask_oov2': {'dtype': 'int64',
                          'shape': [3, 6],
                          'value': [[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]},
 'one_hot_r2': {'dtype': 'int64',
                'shape': [2, 3, 5],
                'value': [[[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]],
                          [[0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]]},
 'one_hot_r2_mask_oov2': {'dtype': 'int64',
                          'shape': [2, 3, 6],
                          'value': [[[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]],
                                    [[0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0]]]},
 'one_hot_r3': {'dtype': 'int64',
                'shape': [2, 2, 2, 5],
                'value': [[[[0, 1, 0, 0, 0], [1, 0, 0, 0, 0]], [[0, 0, 0, 0, 1], [1, 0, 0, 0, 0]]],
                          [[[0, 0, 1, 0, 0], [0, 0, 1, 0, 0]],
                           [[0, 0, 0, 1, 0], [1, 0, 0, 0, 0]]]]},
 'one_hot_r3_mask_oov2': {'dtype': 'int64',
                          'shape': [2, 2, 2, 6],
                          'value': [[[[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
                                     [[0, 0, 0, 0, 0, 1], [0, 1, 0, 0, 0, 0]]],
                                    [[[0, 0, 0, 1, 0, 0], [0, 0, 0, 1, 0, 0]],
                                     [[0, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0]]]]},
 'onehot_oov3_mask0': {'dtype': 'int64',
                       'shape': [3, 7],
                       'value': [[0, 0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0],
                                 [0, 0, 0, 0, 0, 0, 0]]},
 'output_shape': [[None, 3], [None, 1], [None, 3, 2], [None, 3, 5], [None, 5], [None, 3, 2, 5],
                  [None, 5], [None, 5], [None, 3, 5], [None, 9]],
 'readapt_int': [{'size': 3, 'vocab': [-1, 2, 1], 'vocab_plain': [2, 1]},
                 {'size': 3, 'vocab': [-1, 2, 1], 'vocab_plain': [2, 1]}],
 'readapt_multi_hot': ['RuntimeError', {'size': 3, 'vocab': [-1, 2, 1], 'vocab_plain': [2, 1]}],
 'set_vocab_grow_multi_hot': {'error': 'RuntimeError'},
 'set_vocab_tfidf': {'dtype': 'float32', 'shape': [1, 3], 'value': [[1.5, 2.0, 2.0]]},
 'set_vocab_twice_int': [{'size': 4, 'vocab': [-1, 7, 8, 9], 'vocab_plain': [7, 8, 9]},
                         {'dtype': 'int64', 'shape': [3], 'value': [1, 0, 3]}],
 'sparse_count': {'dense_shape': [2, 5],
                  'dtype': 'int64',
                  'indices': [[0, 0], [0, 1], [0, 4], [1, 0], [1, 4]],
                  'sparse': True,
                  'values': [1, 1, 1, 1, 2]},
 'sparse_multi_hot': {'dense_shape': [2, 5],
                      'dtype': 'int64',
                      'indices': [[0, 0], [0, 1], [0, 4], [1, 0], [1, 4]],
                      'sparse': True,
                      'values': [1, 1, 1, 1, 1]},
 'sparse_one_hot': {'dense_shape': [3, 5],
                    'dtype': 'int64',
                    'indices': [[0, 1], [1, 0], [2, 4]],
                    'sparse': True,
                    'values': [1, 1, 1]},
 'tfidf_adapt_3d_err': {'error': 'InvalidArgumentError'},
 'tfidf_adapt_ds': {'dtype': 'float32',
                    'shape': [9],
                    'value': [0.8605048656463623, 0.6931471824645996, 0.6931471824645996,
                              0.9162907600402832, 0.9162907600402832, 0.9162907600402832,
                              0.9162907600402832, 0.9162907600402832, 0.9162907600402832]},
 'tfidf_adapt_ds_1d_batches': {'dtype': 'float32',
                               'shape': [4],
                               'value': [0.6323733329772949, 0.5108256340026855, 0.6931471824645996,
                                         0.6931471824645996]},
 'tfidf_adapt_ds_scalars': {'dtype': 'float32',
                            'shape': [4],
                            'value': [1.1337324380874634, 0.9162907600402832, 1.0986123085021973,
                                      1.3862943649291992]},
 'tfidf_adapt_mask': [{'size': 8,
                       'vocab': [-1, 7, 5, 3, 2, 9, 8, 1],
                       'vocab_plain': [7, 5, 3, 2, 9, 8, 1]},
                      {'dtype': 'float32',
                       'shape': [3, 8],
                       'value': [[0.0, 0.6931471824645996, 0.6931471824645996, 1.8325815200805664,
                                  0.0, 0.0, 0.0, 0.0],
                                 [0.0, 0.6931471824645996, 0.6931471824645996, 0.0, 0.0,
                                  0.9162907600402832, 0.0, 0.9162907600402832],
                                 [0.0, 0.0, 0.0, 0.0, 1.8325815200805664, 0.0, 0.9162907600402832,
                                  0.0]]},
                      {'dtype': 'float32',
                       'shape': [8],
                       'value': [0.8525354266166687, 0.6931471824645996, 0.6931471824645996,
                                 0.9162907600402832, 0.9162907600402832, 0.9162907600402832,
                                 0.9162907600402832, 0.9162907600402832]}],
 'tfidf_adapt_max5': [{'size': 5, 'vocab': [-1, 7, 5, 3, 2], 'vocab_plain': [7, 5, 3, 2]},
                      {'dtype': 'float32',
                       'shape': [3, 5],
                       'value': [[0.0, 0.6931471824645996, 0.6931471824645996, 1.8325815200805664,
                                  0.0],
                                 [1.6094379425048828, 0.6931471824645996, 0.6931471824645996, 0.0,
                                  0.0],
                                 [1.6094379425048828, 0.0, 0.0, 0.0, 1.8325815200805664]]},
                      {'dtype': 'float32',
                       'shape': [5],
                       'value': [0.8047189712524414, 0.6931471824645996, 0.6931471824645996,
                                 0.9162907600402832, 0.9162907600402832]}],
 'tfidf_adapt_oov2': [{'size': 10,
                       'vocab': [-1, -1, 7, 5, 3, 2, 9, 8, 1, 0],
                       'vocab_plain': [7, 5, 3, 2, 9, 8, 1, 0]},
                      {'dtype': 'float32',
                       'shape': [3, 10],
                       'value': [[0.0, 0.0, 0.6931471824645996, 0.6931471824645996,
                                  1.8325815200805664, 0.0, 0.0, 0.0, 0.0, 0.0],
                                 [0.0, 0.0, 0.6931471824645996, 0.6931471824645996, 0.0, 0.0,
                                  0.9162907600402832, 0.0, 0.9162907600402832, 0.0],
                                 [0.0, 0.0, 0.0, 0.0, 0.0, 1.8325815200805664, 0.0,
                                  0.9162907600402832, 0.0, 0.9162907600402832]]},
                      {'dtype': 'float32',
                       'shape': [10],
                       'value': [0.8605048656463623, 0.8605048656463623, 0.6931471824645996,
                                 0.6931471824645996, 0.9162907600402832, 0.9162907600402832,
                                 0.9162907600402832, 0.9162907600402832, 0.9162907600402832,
                                 0.9162907600402832]}],
 'tfidf_adapt_pad': [{'size': 6, 'vocab': [-1, 7, 5, 3, 2, 9], 'vocab_plain': [7, 5, 3, 2, 9]},
                     {'dtype': 'float32',
                      'shape': [3, 6],
                      'value': [[0.0, 0.6931471824645996, 0.6931471824645996, 1.8325815200805664,
                                 0.0, 0.0],
                                [0.8270333409309387, 0.6931471824645996, 0.6931471824645996, 0.0,
                                 0.0, 0.9162907600402832],
                                [1.6540666818618774, 0.0, 0.0, 0.0, 1.8325815200805664, 0.0]]},
                     {'dtype': 'float32',
                      'shape': [6],
                      'value': [0.8270333409309387, 0.6931471824645996, 0.6931471824645996,
                                0.9162907600402832, 0.9162907600402832, 0.9162907600402832]}],
 'tfidf_adapt_plain': [{'size': 9,
                        'vocab': [-1, 7, 5, 3, 2, 9, 8, 1, 0],
                        'vocab_plain': [7, 5, 3, 2, 9, 8, 1, 0]},
                       {'dtype': 'float32',
                        'shape': [3, 9],
                        'value': [[0.0, 0.6931471824645996, 0.6931471824645996, 1.8325815200805664,
                                   0.0, 0.0, 0.0, 0.0, 0.0],
                                  [0.0, 0.6931471824645996, 0.6931471824645996, 0.0, 0.0,
                                   0.9162907600402832, 0.0, 0.9162907600402832, 0.0],
                                  [0.0, 0.0, 0.0, 0.0, 1.8325815200805664, 0.0, 0.9162907600402832,
                                   0.0, 0.9162907600402832]]},
                       {'dtype': 'float32',
                        'shape': [9],
                        'value': [0.8605048656463623, 0.6931471824645996, 0.6931471824645996,
                                  0.9162907600402832, 0.9162907600402832, 0.9162907600402832,
                                  0.9162907600402832, 0.9162907600402832, 0.9162907600402832]}],
 'tfidf_adapt_r1': [{'dtype': 'float32',
                     'shape': [4],
                     'value': [1.014840841293335, 0.8472978472709656, 1.0986123085021973, 0.0]},
                    {'dtype': 'float32',
                     'shape': [4],
                     'value': [1.014840841293335, 0.8472978472709656, 1.0986123085021973,
                               1.0986123085021973]}],
 'tfidf_given': {'dtype': 'float32',
                 'shape': [2, 5],
                 'value': [[0.0, 0.25, 0.0, 0.6000000238418579, 0.800000011920929],
                           [1.0, 0.0, 0.75, 0.0, 0.4000000059604645]]},
 'tfidf_given_mask': {'dtype': 'float32', 'shape': [1, 5], 'value': [[0.5, 0.25, 0.0, 0.0, 0.0]]},
 'tfidf_given_pad': {'dtype': 'float32', 'shape': [1, 5], 'value': [[0.375, 0.5, 0.5, 0.0, 0.0]]},
 'tfidf_given_r1': {'dtype': 'float32',
                    'shape': [5],
                    'value': [0.5, 0.25, 0.0, 0.0, 0.800000011920929]},
 'tfidf_given_special': {'dtype': 'float32',
                         'shape': [2, 5],
                         'value': [[0.0, 0.25, 0.0, 0.6000000238418579, 0.800000011920929],
                                   [1.7999999523162842, 0.0, 0.75, 0.0, 0.4000000059604645]]},
 'vocab_max_ok': {'size': 3, 'vocab': [-1, 1, 2], 'vocab_plain': [1, 2]},
 'vocab_specials_int': {'size': 4, 'vocab': [0, -1, 1, 2], 'vocab_plain': [1, 2]},
 'vocab_specials_oov': {'size': 3, 'vocab': [-1, 1, 2], 'vocab_plain': [1, 2]},
 'vocab_specials_oov2': {'size': 4, 'vocab': [-1, -1, 1, 2], 'vocab_plain': [1, 2]},
 'vocab_specials_partial': {'size': 5, 'vocab': [0, -1, -1, 1, 2], 'vocab_plain': [-1, 1, 2]}}


def _ser(r):
    if isinstance(r, tf.SparseTensor):
        return {"sparse": True, "indices": np.asarray(r.indices).tolist(),
                "values": np.asarray(r.values).tolist(),
                "dense_shape": np.asarray(r.dense_shape).tolist(), "dtype": r.values.dtype.name}
    if hasattr(r, "dtype") and hasattr(r, "shape") and not isinstance(r, np.ndarray):
        a = np.asarray(r.numpy())
        return {"dtype": r.dtype.name, "shape": list(a.shape), "value": a.tolist()}
    if isinstance(r, (list, tuple)):
        return [_ser(x) for x in r]
    if isinstance(r, dict):
        return {k: _ser(v) for k, v in r.items()}
    return r


def _eq(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            abs(a - b) <= 1e-6 * max(1.0, abs(a))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)
    return a == b


_CASES = make_cases(L, tf, np)


def test_every_case_has_an_expectation():
    assert sorted(_CASES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matches_keras(name):
    want = EXPECTED[name]
    try:
        got = _ser(_CASES[name]())
    except Exception as e:  # noqa: BLE001 (the class is what is compared)
        got = {"error": type(e).__name__, "msg": str(e)}
    if isinstance(want, dict) and "error" in want:
        assert isinstance(got, dict) and got.get("error") == want["error"], got
        return
    assert not (isinstance(got, dict) and "error" in got), got
    assert _eq(want, got), f"keras: {want}\ntapegrad: {got}"


def test_error_messages_say_what_keras_says():
    msgs = {
        "err_mask_in_vocab": "Found reserved mask token at unexpected location",
        "err_oov_in_vocab_invert": "Found reserved OOV token at unexpected location",
        "err_repeated2": "The repeated terms are: [1, 2]",
        "err_invert_mode": "`output_mode` must be `'int'` when `invert` is true",
        "err_idf_not_tfidf": "`idf_weights` should only be set if `output_mode` is `'tf_idf'`",
        "err_num_oov": "must >= 0. Received: num_oov_indices=-1",
        "int_oov0_err": "found OOV values [7 8], consider setting `num_oov_indices=1`",
        "novocab_multi_hot": "you must set the layer's vocabulary before calling it",
        "set_vocab_grow_multi_hot": "Old vocab size is 3, new vocab size is 4",
        "err_too_big": "Received vocabulary size is 4; `max_tokens` is 3.",
    }
    for name, text in msgs.items():
        with pytest.raises(Exception) as info:
            _CASES[name]()
        assert text in str(info.value), (name, str(info.value))


def test_no_weights_and_int64_ids_kept_exact():
    layer = L(vocabulary=[2 ** 62 + 1, 2 ** 62 + 3])
    assert layer.weights == [] and layer.count_params() == 0
    out = layer(np.array([2 ** 62 + 3, 2 ** 62 + 2, 2 ** 62 + 1]))
    assert out.dtype == tf.int64 and out.numpy().tolist() == [2, 0, 1]
    inv = L(vocabulary=[2 ** 62 + 1, 2 ** 62 + 3], invert=True)
    assert inv(np.array([2, 0, 1])).numpy().tolist() == [2 ** 62 + 3, -1, 2 ** 62 + 1]


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("12\n36\n1138\n42\n")
    layer = L(vocabulary=str(path))
    assert layer.get_vocabulary() == [-1, 12, 36, 1138, 42]
    assert layer(np.array([42, 5])).numpy().tolist() == [4, 0]
    assert layer.get_config()["vocabulary"] is None


def test_sequential_fit_predict_and_save_roundtrip(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, size=(64, 5)) * 7
    y = (x.sum(1) % 2).astype("float32")
    lk = L(max_tokens=30, name="lk")
    lk.adapt(x)
    model = keras.Sequential([keras.Input((5,), dtype="int64"), lk, keras.layers.Embedding(30, 4),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert all(math.isfinite(v) for v in hist.history["loss"])
    pred = model.predict(x[:3], verbose=0)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    import zipfile
    assert "assets/layers/lk/vocabulary.txt" in zipfile.ZipFile(path).namelist()
    assert model.get_config()["layers"][0]["config"]["vocabulary"] is None
    loaded = keras.saving.load_model(path)
    assert loaded.layers[0].get_vocabulary() == lk.get_vocabulary()
    np.testing.assert_allclose(loaded.predict(x[:3], verbose=0), pred, rtol=1e-6)
    loaded.layers[0].adapt(np.array([1, 2, 2]))  # adaptable again, as Keras after loading
    assert loaded.layers[0].get_vocabulary() == [-1, 2, 1]


def test_tf_idf_and_functional_roundtrip(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 40, size=(32, 6))
    y = rng.normal(size=(32, 1)).astype("float32")
    lk = L(output_mode="tf_idf", max_tokens=20, pad_to_max_tokens=True)
    lk.adapt(x)
    model = keras.Sequential([lk, keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0)
    pred = model.predict(x[:4], verbose=0)
    model.save(os.path.join(tmp_path, "t.keras"))
    loaded = keras.saving.load_model(os.path.join(tmp_path, "t.keras"))
    np.testing.assert_allclose(loaded.predict(x[:4], verbose=0), pred, rtol=1e-6)
    np.testing.assert_array_equal(loaded.layers[0].idf_weights.numpy(), lk.idf_weights.numpy())

    inp = keras.Input((6,), dtype="int64")
    hot = L(vocabulary=list(range(0, 40, 2)), output_mode="multi_hot", num_oov_indices=2)(inp)
    assert hot.shape == (None, 22) and hot.dtype == tf.float32  # Keras' compute_output_spec
    ids = L(vocabulary=list(range(0, 40, 2)))(inp)
    assert ids.shape == (None, 6) and ids.dtype == tf.int64
    fm = keras.Model(inp, keras.layers.Dense(1)(hot))
    fm.compile("sgd", "mse")
    fm.fit(x, y, epochs=1, verbose=0)
    fm.save(os.path.join(tmp_path, "f.keras"))
    fm2 = keras.saving.load_model(os.path.join(tmp_path, "f.keras"))
    np.testing.assert_allclose(fm2.predict(x, verbose=0), fm.predict(x, verbose=0), rtol=1e-6)


def test_symbolic_call_before_adapt():
    lk = L()
    model = keras.Sequential([keras.Input((5,), dtype="int64"), lk, keras.layers.Embedding(100, 2)])
    lk.adapt(np.arange(50).reshape(10, 5))
    assert model.predict(np.arange(10).reshape(2, 5), verbose=0).shape == (2, 5, 2)


def test_million_element_lookup():
    # (its speed, 0.02-0.09 s here, is not asserted: timings belong in bench/) Both lookup
    # paths, a compact and a spread-out vocabulary, against a dict over the unique tokens.
    rng = np.random.default_rng(0)
    big = rng.integers(0, 30000, size=1_000_000)
    for vocab in (np.arange(0, 20000, 3), rng.choice(30000, 5000, replace=False) * 1000):
        x = big if vocab.max() < 10 ** 5 else big * 1000
        got = L(vocabulary=vocab)(x).numpy()
        index = {int(t): i + 1 for i, t in enumerate(vocab)}  # 0 is the OOV index
        uniq, inv = np.unique(x, return_inverse=True)
        want = np.array([index.get(int(t), 0) for t in uniq], np.int64)[inv.ravel()]
        np.testing.assert_array_equal(got, want)

