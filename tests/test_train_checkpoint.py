"""tf.train.Checkpoint / CheckpointManager: values restored by object path (tf.Module,
subclassed and Sequential Keras models, optimizer slots and step counts), training resumed
from a checkpoint exactly as if never stopped, max_to_keep, latest_checkpoint, partial and
mismatched restores."""

import os

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

RNG = np.random.default_rng(3)
X = RNG.standard_normal((16, 4)).astype(np.float32)
Y = RNG.standard_normal((16, 1)).astype(np.float32)


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(8, activation="tanh")
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))


def make(seed, opt_cls=keras.optimizers.Adam):
    tf.random.set_seed(seed)
    net = Net()
    net(X[:1])
    return net, opt_cls(0.05), tf.Variable(0, dtype=tf.int64)


def train(net, opt, step, n):
    for _ in range(n):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((net(X) - Y) ** 2)
        grads = tape.gradient(loss, net.trainable_variables)
        opt.apply_gradients(zip(grads, net.trainable_variables))
        step.assign(step.numpy() + 1)


@pytest.mark.parametrize("opt_cls", [keras.optimizers.Adam, keras.optimizers.Nadam,
                                     keras.optimizers.SGD])
def test_resumed_training_matches_uninterrupted(tmp_path, opt_cls):
    net, opt, step = make(0, opt_cls)
    train(net, opt, step, 5)
    ckpt = tf.train.Checkpoint(step=step, optimizer=opt, net=net)
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path == str(tmp_path / "ckpt-1") and os.path.exists(path)
    train(net, opt, step, 5)
    want = [v.numpy() for v in net.weights]

    net2, opt2, step2 = make(1, opt_cls)  # other initial weights, a fresh optimizer
    status = tf.train.Checkpoint(step=step2, optimizer=opt2, net=net2).restore(path)
    status.assert_consumed()
    assert int(step2.numpy()) == 5 and int(opt2.iterations) == 5
    train(net2, opt2, step2, 5)
    for a, b in zip(want, [v.numpy() for v in net2.weights]):
        np.testing.assert_array_equal(a, b)


def test_module_and_sequential_and_read_write(tmp_path):
    class Affine(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(RNG.standard_normal((3, 2)))
            self.parts = [tf.Variable(1.0), {"b": tf.Variable([1.0, 2.0])}]

    a = Affine()
    seq = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3),
                            keras.layers.BatchNormalization()])
    path = tf.train.Checkpoint(mod=a, seq=seq).write(str(tmp_path / "sub" / "exact"))
    assert path.endswith("exact") and os.path.exists(path)
    keys = sorted(np.load(path).files)
    assert "mod/w" in keys and "mod/parts/0" in keys and "mod/parts/1/b" in keys
    assert sum(k.startswith("seq/") for k in keys) == 6  # kernel, bias, gamma, beta, mean, var
    b = Affine()
    seq2 = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3),
                             keras.layers.BatchNormalization()])
    tf.train.Checkpoint(mod=b, seq=seq2).read(path).assert_consumed()
    for x, y in zip(a.variables + tuple(seq.weights), b.variables + tuple(seq2.weights)):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_manager_keeps_the_newest(tmp_path):
    net, opt, step = make(0)
    ckpt = tf.train.Checkpoint(step=step, net=net)
    mgr = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert mgr.latest_checkpoint is None
    assert ckpt.restore(mgr.latest_checkpoint) is not None  # nothing yet: restores nothing
    paths = [mgr.save() for _ in range(3)]
    assert [os.path.basename(p) for p in paths] == ["ckpt-1", "ckpt-2", "ckpt-3"]
    assert mgr.checkpoints == paths[1:] and not os.path.exists(paths[0])
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[2]
    again = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)  # a restart
    assert again.latest_checkpoint == paths[2]
    assert os.path.basename(again.save(checkpoint_number=10)) == "ckpt-10"
    with pytest.raises(ValueError, match="max_to_keep"):
        tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=0)


def test_partial_and_mismatched_restores(tmp_path):
    net, opt, step = make(0)
    path = tf.train.Checkpoint(net=net, step=step).write(str(tmp_path / "c"))
    other, _, _ = make(1)
    status = tf.train.Checkpoint(net=other).restore(path)  # `step` has no object here
    with pytest.raises(AssertionError, match="unused values in the checkpoint: .*step"):
        status.assert_consumed()
    status.expect_partial()
    np.testing.assert_array_equal(other.out.kernel.numpy(), net.out.kernel.numpy())
    status = tf.train.Checkpoint(net=other, extra=tf.Variable(2.0)).restore(path)
    with pytest.raises(AssertionError, match="no saved value: .*extra"):
        status.assert_existing_objects_matched()
    # a shape mismatch is refused before anything is assigned
    wide = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(9)])
    seq = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
    p2 = tf.train.Checkpoint(m=seq, s=tf.Variable(5.0)).write(str(tmp_path / "d"))
    s = tf.Variable(1.0)
    before = [w.numpy().copy() for w in wide.weights]
    with pytest.raises(ValueError, match=r"has shape \((4, )?9,?\) but the checkpoint holds shape \((4, )?2,?\)"):
        tf.train.Checkpoint(m=wide, s=s).restore(p2)
    assert float(s.numpy()) == 1.0
    for a, b in zip(before, wide.weights):
        np.testing.assert_array_equal(a, b.numpy())
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        tf.train.Checkpoint(m=seq).restore(str(tmp_path / "missing"))
