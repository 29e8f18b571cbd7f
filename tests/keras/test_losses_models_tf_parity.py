"""TF parity of the Keras 3 loss and model API added in session 23: CategoricalFocalCrossentropy,
Dice, Tversky, reduction='mean_with_sample_weight', SparseCategoricalCrossentropy(ignore_class=),
Loss(dtype=), keras.losses.get returning the per-sample function, Model.test_on_batch,
input_shape / output_shape, and fit(arrays, steps_per_epoch=k) carrying one pass across epochs.

Every expected number below is TF 2.21.0 / Keras 3.15.1's output for the same call (tf.keras in the
reference venv, one thread), pasted as literals: TF is not installed where the tests run. Losses
are compared on the value, the gradient w.r.t. y_pred and, for the smooth ones, the second-order
term d/dy_pred sum((dL/dy_pred)^2), all at rtol 1e-6."""

import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.losses
RTOL = 1e-6

# -- inputs (the same literals were fed to TF) ----------------------------------------------------
LOGITS = np.array([[0.3, -1.2, 2.0], [1.5, 0.2, -0.7], [-0.4, 0.9, 0.1], [2.2, -0.3, 0.6]],
                  np.float32)
PROBS = np.array([[0.2, 0.1, 0.7], [0.6, 0.3, 0.1], [0.25, 0.5, 0.25], [0.05, 0.15, 0.8]],
                 np.float32)
ONEHOT = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], np.float32)
LABELS = np.array([0, 2, 1, 2])
SW = np.array([1.0, 0.0, 3.0, 0.5], np.float32)
IMG_T = np.array([[[[1.], [0.], [1.]], [[1.], [1.], [0.]]],
                  [[[0.], [0.], [1.]], [[1.], [0.], [0.]]]], np.float32)  # (2, 2, 3, 1)
IMG_P = np.array([[[[0.9], [0.2], [0.6]], [[0.7], [0.4], [0.1]]],
                  [[[0.3], [0.1], [0.8]], [[0.5], [0.35], [0.05]]]], np.float32)
SEQ_LOGITS = np.array([[[0.5, -0.2, 1.1], [0.3, 0.8, -1.0], [1.2, 0.1, 0.4], [-0.6, 0.9, 0.0]],
                       [[0.2, 0.2, -0.3], [1.4, -0.5, 0.7], [0.0, 1.0, 2.0], [0.9, -0.9, 0.3]]],
                      np.float32)  # (2, 4, 3)
SEQ_LABELS = np.array([[0, 1, 2, 2], [1, 2, 0, 2]])


MWSW = "mean_with_sample_weight"


# name -> (loss(keras.losses), y_true, y_pred, sample_weight, second order?)
LOSS_CASES = {
    # CategoricalFocalCrossentropy
    "cfce": (lambda L: L.CategoricalFocalCrossentropy(), ONEHOT, PROBS, None, True),
    "cfce_none": (lambda L: L.CategoricalFocalCrossentropy(reduction=None), ONEHOT, PROBS, None, True),
    "cfce_sum_sw": (lambda L: L.CategoricalFocalCrossentropy(reduction="sum"), ONEHOT, PROBS, SW, True),
    "cfce_mean_sw": (lambda L: L.CategoricalFocalCrossentropy(), ONEHOT, PROBS, SW, False),
    "cfce_mwsw_sw": (lambda L: L.CategoricalFocalCrossentropy(reduction=MWSW),
                     ONEHOT, PROBS, SW, True),
    "cfce_logits": (lambda L: L.CategoricalFocalCrossentropy(from_logits=True), ONEHOT, LOGITS, None, True),
    "cfce_logits_alpha_list_ls": (lambda L: L.CategoricalFocalCrossentropy(
        alpha=[0.1, 0.5, 0.9], gamma=3.0, from_logits=True, label_smoothing=0.2), ONEHOT, LOGITS, None, True),
    "cfce_unnormalized": (lambda L: L.CategoricalFocalCrossentropy(gamma=1.0), ONEHOT, PROBS * 1.7, None, False),
    "cfce_axis0": (lambda L: L.CategoricalFocalCrossentropy(axis=0, reduction="none"), ONEHOT, PROBS, None, False),
    "cfce_fn": (lambda L: L.categorical_focal_crossentropy, ONEHOT, PROBS, None, False),
    # Dice / Tversky
    "dice": (lambda L: L.Dice(), ONEHOT, PROBS, None, True),
    "dice_sw": (lambda L: L.Dice(), ONEHOT, PROBS, SW, False),
    "dice_axis1_none": (lambda L: L.Dice(axis=1, reduction="none"), ONEHOT, PROBS, None, True),
    "dice_axis1_mwsw": (lambda L: L.Dice(axis=1, reduction=MWSW), ONEHOT, PROBS, SW, False),
    "dice_img_axis123": (lambda L: L.Dice(axis=(1, 2, 3)), IMG_T, IMG_P, None, True),
    "dice_img_axis123_none": (lambda L: L.Dice(axis=(1, 2, 3), reduction=None), IMG_T, IMG_P, None, False),
    "dice_fn": (lambda L: L.dice, IMG_T, IMG_P, None, False),
    "tversky": (lambda L: L.Tversky(), ONEHOT, PROBS, None, True),
    "tversky_ab_axis1_sw": (lambda L: L.Tversky(alpha=0.3, beta=0.7, axis=1), ONEHOT, PROBS, SW, True),
    "tversky_img_sum": (lambda L: L.Tversky(alpha=0.2, beta=0.8, axis=(1, 2, 3), reduction="sum"),
                        IMG_T, IMG_P, None, True),
    "tversky_fn": (lambda L: L.tversky, ONEHOT, PROBS, None, False),
    # SparseCategoricalCrossentropy(ignore_class=...)
    "scce_ic2_logits": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
                        LABELS, LOGITS, None, False),
    "scce_ic2_logits_none": (lambda L: L.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=2, reduction="none"), LABELS, LOGITS, None, False),
    "scce_ic2_logits_sum_sw": (lambda L: L.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=2, reduction="sum"), LABELS, LOGITS, SW, False),
    "scce_ic2_logits_sw": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
                           LABELS, LOGITS, SW, False),
    "scce_ic2_logits_mwsw_sw": (lambda L: L.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=2, reduction=MWSW), LABELS, LOGITS, SW, False),
    "scce_ic0_probs": (lambda L: L.SparseCategoricalCrossentropy(ignore_class=0), LABELS, PROBS, None, False),
    "scce_icm1_labels": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
                         np.array([0, -1, 1, -1]), LOGITS, None, False),
    "scce_ic255_col_labels": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255),
                              np.array([[0], [255], [1], [2]]), LOGITS, None, False),
    "scce_all_ignored": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
                         np.array([2, 2, 2, 2]), LOGITS, None, False),
    "scce_seq_ic2": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
                     SEQ_LABELS, SEQ_LOGITS, None, True),
    "scce_seq_ic2_sw2d": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2),
                          SEQ_LABELS, SEQ_LOGITS, np.array([[1, 2, 0, 1], [0.5, 1, 1, 3]], np.float32), False),
    "scce_fn_ic2": (lambda L: (lambda t, p: L.sparse_categorical_crossentropy(
        t, p, from_logits=True, ignore_class=2)), LABELS, LOGITS, None, False),
    # reduction='mean_with_sample_weight' on the other losses
    "mse_mwsw_sw": (lambda L: L.MeanSquaredError(reduction=MWSW), ONEHOT, PROBS, SW, True),
    "mse_mwsw_sw2d": (lambda L: L.MeanSquaredError(reduction=MWSW),
                      ONEHOT, PROBS, SW[:, None], False),
    "mse_mwsw_nosw": (lambda L: L.MeanSquaredError(reduction=MWSW), ONEHOT, PROBS, None, False),
    "mse_mwsw_zero_sw": (lambda L: L.MeanSquaredError(reduction=MWSW),
                         ONEHOT, PROBS, np.zeros(4, np.float32), False),
    "mse_mwsw_3d": (lambda L: L.MeanSquaredError(reduction=MWSW), SEQ_LOGITS,
                    SEQ_LOGITS * 0.5, np.array([[1, 2, 0, 1], [0.5, 0, 0, 1]], np.float32), False),
    "mae_mwsw_sw": (lambda L: L.MeanAbsoluteError(reduction=MWSW), ONEHOT, PROBS, SW, False),
    "bce_mwsw_sw": (lambda L: L.BinaryCrossentropy(reduction=MWSW), ONEHOT, PROBS, SW, True),
    "cce_mwsw_sw": (lambda L: L.CategoricalCrossentropy(from_logits=True, reduction=MWSW),
                    ONEHOT, LOGITS, SW, True),
    "scce_mwsw_sw": (lambda L: L.SparseCategoricalCrossentropy(from_logits=True, reduction=MWSW),
                     LABELS, LOGITS, SW, False),
    "huber_mwsw_sw": (lambda L: L.Huber(delta=0.5, reduction=MWSW), ONEHOT, LOGITS, SW, False),
    "logcosh_mwsw_sw": (lambda L: L.LogCosh(reduction=MWSW), ONEHOT, LOGITS, SW, False),
    "kld_mwsw_sw": (lambda L: L.KLDivergence(reduction=MWSW), ONEHOT, PROBS, SW, False),
    "poisson_mwsw_sw": (lambda L: L.Poisson(reduction=MWSW), ONEHOT, PROBS, SW, False),
    "hinge_mwsw_sw": (lambda L: L.Hinge(reduction=MWSW), ONEHOT, LOGITS, SW, False),
    "cosine_mwsw_sw": (lambda L: L.CosineSimilarity(reduction=MWSW), ONEHOT, LOGITS, SW, False),
    "bfce_mwsw_sw": (lambda L: L.BinaryFocalCrossentropy(reduction=MWSW),
                     ONEHOT, PROBS, SW, False),
    "msle_mwsw_sw": (lambda L: L.MeanSquaredLogarithmicError(reduction=MWSW),
                     ONEHOT, PROBS, SW, False),
    "cfce_mwsw_zero_sw": (lambda L: L.CategoricalFocalCrossentropy(reduction=MWSW),
                          ONEHOT, PROBS, np.zeros(4, np.float32), False),
    # Loss(dtype=...)
    "mse_float64": (lambda L: L.MeanSquaredError(dtype="float64"), ONEHOT, PROBS, SW, True),
    "cce_float64": (lambda L: L.CategoricalCrossentropy(from_logits=True, dtype="float64"), ONEHOT, LOGITS, None, True),
    "huber_float64": (lambda L: L.Huber(dtype="float64"), ONEHOT, LOGITS, None, False),
}


def run_loss(lib, name):
    """(value, gradient w.r.t. y_pred, d/dy_pred sum(gradient²) or None) of case ``name``
    computed with ``lib`` (tapegrad here; tensorflow when the literals were made)."""
    make, t, p, sw, second = LOSS_CASES[name]
    loss = make(lib.keras.losses)
    var = lib.Variable(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lib.GradientTape() as outer:
            with lib.GradientTape() as inner:
                value = loss(t, var) if sw is None else loss(t, var, sample_weight=sw)
            grad = inner.gradient(value, var)
            norm = lib.reduce_sum(grad * grad)
        hess = outer.gradient(norm, var) if second else None
    return (np.asarray(value).tolist(), np.asarray(grad).tolist(),
            None if hess is None else np.asarray(hess).tolist())


# TF 2.21 / Keras 3.15.1's outputs of run_loss(tensorflow, name) for every case above.
TF_LOSSES = {
    'bce_mwsw_sw': (0.5142802,
        [[-0.370370388, 0.0823045298, 0.246913582], [0, 0, 0], [0.296296299, -0.444444418, 0.296296299],
         [0.0389863551, 0.0435729809, -0.0462962985]],
        [[-1.37174225, 0.0150534129, 0.406442106], [0, 0, 0], [0.234110668, -0.790123284, 0.234110668],
         [0.00319986511, 0.00446730526, -0.00535836816]]),
    'bfce_mwsw_sw': (0.167047203,
        [[-0.427785277, 0.00238394295, 0.245844096], [0, 0, 0], [0.050483197, -0.265143812,
         0.050483197], [0.000287441188, 0.00278615719, -0.00515768165]],
        None),
    'cce_float64': (1.70488495,
        [[-0.212670282, 0.00832938496, 0.204340905], [0.180722684, 0.0492526777, -0.229975358],
         [0.0395693704, -0.104808241, 0.0652388632], [0.194706857, 0.0159825105, -0.210689366]],
        [[-0.0259973798, -0.00211921637, 0.028116595], [0.0212520212, -0.00715864776, -0.014093373],
         [0.00610564649, -0.0195214525, 0.013415806], [0.0292727686, -0.0033100727,
         -0.0259626955]]),
    'cce_mwsw_sw': (0.990415692,
        [[-0.189040259, 0.00740389759, 0.181636363], [0, 0, -0], [0.105518334, -0.279488653,
         0.173970327], [0.0865363777, 0.00710333791, -0.0936397165]],
        [[-0.0205411408, -0.00167444278, 0.0222155824], [0, 0, -0], [0.0434179343, -0.138819233,
         0.0954012945], [0.00578227546, -0.000653841358, -0.00512843346]]),
    'cfce': (0.19233416,
        [[-0.288755029, 0.0721887574, 0.0721887574], [0.0765290782, 0.0765290782, -0.688761711],
         [0.0372858495, -0.0372858495, 0.0372858495], [0.00696287025, 0.00696287025,
         -0.00174071733]],
        [[-1.18624985, 0.0620577037, 0.0620577037], [0.0753134489, 0.0753134489, -10.3999424],
         [0.0112017225, -0.0278845374, 0.0112017225], [0.00136373355, 0.00136373355,
         -0.00059091649]]),
    'cfce_axis0': ([0.285298705, 0.0508925132, 0.720228612],
        [[-1.20336056, 0.15345329, 0.260383874], [0.267413467, 0.15345329, -2.72261071], [0.267413467,
         -0.168798625, 0.260383874], [0.267413467, 0.15345329, 0.031120494]],
        None),
    'cfce_fn': ([0.257510096, 0.466273457, 0.0433216989, 0.00223143515],
        [[-1.15502012, 0.288755029, 0.288755029], [0.306116313, 0.306116313, -2.75504684], [0.149143398,
         -0.149143398, 0.149143398], [0.027851481, 0.027851481, -0.00696286932]],
        None),
    'cfce_logits': (0.307616472,
        [[-0.0641609877, 0.00251291133, 0.0616480783], [0.0550410151, 0.0150004281, -0.0700414404],
         [0.00435628602, -0.0115385866, 0.00718230056], [0.0584385917, 0.00479693152,
         -0.0632355213]],
        [[-0.00359256892, -0.000144857142, 0.0037374259], [0.00153644732, -0.000782520976,
         -0.000753926462], [0.000231540005, -0.000653879484, 0.00042233945], [0.00390332495,
         -0.000194226304, -0.00370909879]]),
    'cfce_logits_alpha_list_ls': (0.690249145,
        [[-0.0211386755, -0.00893584918, 0.0300745238], [0.188907132, 0.042043712, -0.230950847],
         [0.00473219203, -0.00120579393, -0.00352639798], [0.193344057, 0.0051898174,
         -0.198533878]],
        [[-0.000876480772, -9.21984429e-06, 0.000885700632], [0.0224011485, -0.00968677271,
         -0.0127143767], [9.93054273e-05, -1.54750996e-05, -8.38303313e-05], [0.055632323,
         -0.00129573746, -0.0543365814]]),
    'cfce_mean_sw': (0.0971477255,
        [[-0.288755029, 0.0721887574, 0.0721887574], [0, 0, 0], [0.111857548, -0.111857548,
         0.111857548], [0.00348143512, 0.00348143512, -0.000870358665]],
        None),
    'cfce_mwsw_sw': (0.086353533,
        [[-0.256671131, 0.0641677901, 0.0641677901], [0, 0, 0], [0.0994289294, -0.0994289294,
         0.0994289294], [0.0030946089, 0.0030946089, -0.000773652224]],
        [[-0.937283814, 0.0490332395, 0.0490332395], [0, 0, 0], [0.0796567053, -0.198290065,
         0.0796567053], [0.000269379467, 0.000269379467, -0.00011672423]]),
    'cfce_mwsw_zero_sw': (0,
        [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
        None),
    'cfce_none': ([0.257510096, 0.466273457, 0.0433216989, 0.00223143515],
        [[-1.15502012, 0.288755029, 0.288755029], [0.306116313, 0.306116313, -2.75504684], [0.149143398,
         -0.149143398, 0.149143398], [0.027851481, 0.027851481, -0.00696286932]],
        [[-18.9799976, 0.99292326, 0.99292326], [1.20501518, 1.20501518, -166.399078], [0.179227561,
         -0.446152598, 0.179227561], [0.0218197368, 0.0218197368, -0.00945466384]]),
    'cfce_sum_sw': (0.388590902,
        [[-1.15502012, 0.288755029, 0.288755029], [0, 0, 0], [0.447430193, -0.447430193, 0.447430193],
         [0.0139257405, 0.0139257405, -0.00348143466]],
        [[-18.9799976, 0.99292326, 0.99292326], [0, 0, 0], [1.61304796, -4.01537323, 1.61304796],
         [0.0054549342, 0.0054549342, -0.00236366596]]),
    'cfce_unnormalized': (0.234442458,
        [[-0.164983466, 0.0412458666, 0.0412458666], [0.0415536165, 0.0415536165, -0.373982579],
         [0.0311240274, -0.0311240274, 0.0311240274], [0.0139159858, 0.0139159858,
         -0.00347899646]],
        None),
    'cosine_mwsw_sw': (-0.663426638,
        [[-0.0929605514, -0.00615180191, 0.0102530029], [0, 0, -0], [-0.24738434, -0.116820335,
         0.0618460849], [0.0120544611, -0.00164379016, -0.0450215936]],
        None),
    'dice': (0.600000024,
        [[-0.200000003, 0.0500000007, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003],
         [0.0500000007, -0.200000003, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003]],
        [[-0.0650000051, -0.0400000028, -0.0400000028], [-0.0400000028, -0.0400000028, -0.0650000051],
         [-0.0400000028, -0.0650000051, -0.0400000028], [-0.0400000028, -0.0400000028,
         -0.0650000051]]),
    'dice_axis1_mwsw': (0.533333302,
        [[-0.200000003, 0.0222222228, 0.0222222228], [0, 0, 0], [0.166666672, -0.5, 0.166666672],
         [0.0444444455, 0.0444444455, -0.0666666627]],
        None),
    'dice_axis1_none': ([0.800000012, 0.899999976, 0.5, 0.199999988],
        [[-0.899999976, 0.100000001, 0.100000001], [0.0500000007, 0.0500000007, -0.949999988], [0.25,
         -0.75, 0.25], [0.400000006, 0.400000006, -0.600000024]],
        [[-1.45999992, -0.75999999, -0.75999999], [-0.86500001, -0.86500001, -1.71499991], [-0.625,
         -0.875, -0.625], [-0.75999999, -0.75999999, -0.560000002]]),
    'dice_fn': (0.290909111,
        [[[[-0.117355376], [0.0644628108], [-0.117355376]], [[-0.117355376], [-0.117355376],
         [0.0644628108]]], [[[0.0644628108], [0.0644628108], [-0.117355376]], [[-0.117355376],
         [0.0644628108], [0.0644628108]]]],
        None),
    'dice_img_axis123': (0.30611521,
        [[[[-0.0903171524], [0.054610379], [-0.0903171524]], [[-0.0903171524], [-0.0903171524],
         [0.054610379]]], [[[0.0773349181], [0.0773349181], [-0.166567534]], [[-0.166567534],
         [0.0773349181], [0.0773349181]]]],
        [[[[-0.017784806], [-0.00719678402], [-0.017784806]], [[-0.017784806], [-0.017784806],
         [-0.00719678402]]], [[[-0.0378400125], [-0.0378400125], [-0.0406711139]],
         [[-0.0406711139], [-0.0378400125], [-0.0378400125]]]]),
    'dice_img_axis123_none': ([0.246376753, 0.365853667],
        [[[[-0.180634305], [0.109220758], [-0.180634305]], [[-0.180634305], [-0.180634305],
         [0.109220758]]], [[[0.154669836], [0.154669836], [-0.333135068]], [[-0.333135068],
         [0.154669836], [0.154669836]]]],
        None),
    'dice_sw': (0.675000012,
        [[-0.224999994, 0.0562500022, 0.0562500022], [0.0562500022, 0.0562500022, -0.224999994],
         [0.0562500022, -0.224999994, 0.0562500022], [0.0562500022, 0.0562500022, -0.224999994]],
        None),
    'hinge_mwsw_sw': (0.833333313,
        [[-0.0740740746, 0, 0.0740740746], [0, 0, -0], [0.222222224, -0.222222224, 0.222222224],
         [0.0370370373, 0.0370370373, -0.0370370373]],
        None),
    'huber_float64': (0.54833334,
        [[-0.0583333336, -0.0833333358, 0.0833333358], [0.0833333358, 0.0166666675, -0.0833333358],
         [-0.0333333351, -0.00833333563, 0.00833333377], [0.0833333358, -0.0250000004,
         -0.0333333313]],
        None),
    'huber_mwsw_sw': (0.177407429,
        [[-0.0370370373, -0.0370370373, 0.0370370373], [0, 0, -0], [-0.088888891, -0.0222222283,
         0.0222222228], [0.0185185187, -0.0111111114, -0.0148148136]],
        None),
    'kld_mwsw_sw': (0.844541788,
        [[-1.11111104, -2.22222198e-07, -3.17460334e-08], [-0, -0, -0], [-2.66666689e-07, -1.33333325,
         -2.66666689e-07], [-2.22222226e-07, -7.40740731e-08, -0.138888896]],
        None),
    'logcosh_mwsw_sw': (0.239292383,
        [[-0.0447679833, -0.0617522001, 0.071409449], [0, 0, 0], [-0.0844330937, -0.0221484303,
         0.0221484452], [0.0361386351, -0.0107893609, -0.0140721835]],
        None),
    'mae_mwsw_sw': (0.355555534,
        [[-0.0740740746, 0.0740740746, 0.0740740746], [0, 0, -0], [0.222222224, -0.222222224,
         0.222222224], [0.0370370373, 0.0370370373, -0.0370370373]],
        None),
    'mse_float64': (0.191458331,
        [[-0.133333325, 0.0166666675, 0.116666667], [0, 0, -0], [0.125, -0.25, 0.125], [0.00416666688,
         0.0125000002, -0.0166666657]],
        [[-0.0444444418, 0.00555555569, 0.0388888903], [0, 0, -0], [0.125, -0.25, 0.125],
         [0.000694444461, 0.00208333344, -0.00277777761]]),
    'mse_mwsw_3d': (0.120075747,
        [[[-0.0303030312, 0.0121212127, -0.0666666701], [-0.0363636389, -0.0969697013, 0.121212125],
         [-0, -0, -0], [0.0363636389, -0.0545454547, -0]], [[-0.00606060633, -0.00606060633,
         0.00909090973], [-0, 0, -0], [-0, -0, -0], [-0.0545454547, 0.0545454547,
         -0.0181818195]]],
        None),
    'mse_mwsw_nosw': (0.23666665,
        [[-0.13333334, 0.0166666675, 0.116666667], [0.100000009, 0.0500000045, -0.150000006],
         [0.0416666679, -0.0833333358, 0.0416666679], [0.00833333377, 0.0250000022,
         -0.0333333313]],
        None),
    'mse_mwsw_sw': (0.170185179,
        [[-0.118518524, 0.0148148155, 0.1037037], [0, 0, -0], [0.111111112, -0.222222224, 0.111111112],
         [0.00370370387, 0.0111111114, -0.0148148136]],
        [[-0.0351166017, 0.00438957522, 0.0307270233], [0, 0, -0], [0.0987654328, -0.197530866,
         0.0987654328], [0.000548696902, 0.00164609053, -0.00219478714]]),
    'mse_mwsw_sw2d': (0.170185179,
        [[-0.118518524, 0.0148148155, 0.1037037], [0, 0, -0], [0.111111112, -0.222222224, 0.111111112],
         [0.00370370387, 0.0111111114, -0.0148148136]],
        None),
    'mse_mwsw_zero_sw': (0,
        [[-0, 0, 0], [0, 0, -0], [0, -0, 0], [0, 0, -0]],
        None),
    'msle_mwsw_sw': (0.0826030523,
        [[-0.0630648881, 0.0128363743, 0.0462421142], [0, 0, -0], [0.0793398842, -0.0852391422,
         0.0793398842], [0.00344197545, 0.00900237076, -0.0043358258]],
        None),
    'poisson_mwsw_sw': (0.614848137,
        [[-0.29629612, 0.0740740746, 0.0740740746], [0, 0, 0], [0.222222224, -0.222222105, 0.222222224],
         [0.0370370373, 0.0370370373, -0.00925925002]],
        None),
    'scce_all_ignored': (0,
        [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
        None),
    'scce_fn_ic2': ([1.90167117, 0, 0.543405533, 0],
        [[-0.850681126, 0.0333175398, 0.81736362], [0, 0, 0], [0.158277497, -0.419232965, 0.260955483],
         [0, 0, 0]],
        None),
    'scce_ic0_probs': (1.07295871,
        [[0, 0, 0], [0.333333343, 0.333333313, -3], [0.333333313, -0.333333313, 0.333333343],
         [0.333333343, 0.333333343, -0.0833333284]],
        None),
    'scce_ic255_col_labels': (1.43168092,
        [[-0.283560395, 0.0111058466, 0.27245456], [0, 0, 0], [0.0527591668, -0.139744326,
         0.0869851634], [0.259609133, 0.0213100147, -0.280919164]],
        None),
    'scce_ic2_logits': (1.22253835,
        [[-0.425340563, 0.0166587699, 0.40868181], [0, 0, 0], [0.0791387483, -0.209616482, 0.130477741],
         [0, 0, 0]],
        None),
    'scce_ic2_logits_mwsw_sw': (0.882971942,
        [[-0.212670282, 0.00832938496, 0.204340905], [0, 0, 0], [0.118708119, -0.314424723,
         0.195716619], [0, 0, 0]],
        None),
    'scce_ic2_logits_none': ([1.90167117, 0, 0.543405533, 0],
        [[-0.850681126, 0.0333175398, 0.81736362], [0, 0, 0], [0.158277497, -0.419232965, 0.260955483],
         [0, 0, 0]],
        None),
    'scce_ic2_logits_sum_sw': (3.53188777,
        [[-0.850681126, 0.0333175398, 0.81736362], [0, 0, 0], [0.474832475, -1.25769889, 0.782866478],
         [0, 0, 0]],
        None),
    'scce_ic2_logits_sw': (1.76594388,
        [[-0.425340563, 0.0166587699, 0.40868181], [0, 0, 0], [0.237416238, -0.628849447, 0.391433239],
         [0, 0, 0]],
        None),
    'scce_icm1_labels': (1.22253835,
        [[-0.425340563, 0.0166587699, 0.40868181], [0, 0, 0], [0.0791387483, -0.209616482, 0.130477741],
         [0, 0, 0]],
        None),
    'scce_mwsw_sw': (0.990415692,
        [[-0.189040259, 0.00740389759, 0.181636363], [0, 0, -0], [0.105518334, -0.279488653,
         0.173970327], [0.0865363777, 0.00710333791, -0.0936397165]],
        None),
    'scce_seq_ic2': (1.28430343,
        [[[-0.174669385, 0.0374080725, 0.137261316], [0.0855797082, -0.108902916, 0.0233231932], [0, 0,
         0], [0, 0, 0]], [[0.0959129333, -0.154087067, 0.0581741333], [0, 0, 0], [-0.227492362,
         0.061182119, 0.166310236], [0, 0, 0]]],
        [[[-0.0305838846, 0.000679311459, 0.0299045742], [0.0197812039, -0.0222681705, 0.00248696562],
         [0, 0, 0], [0, 0, 0]], [[0.0200831369, -0.0278733298, 0.00779019389], [0, 0, 0],
         [-0.0149730062, -0.00537741836, 0.0203504246], [0, 0, 0]]]),
    'scce_seq_ic2_sw2d': (1.30755389,
        [[[-0.174669385, 0.0374080725, 0.137261316], [0.171159416, -0.217805833, 0.0466463864], [0, 0,
         0], [0, 0, 0]], [[0.0479564667, -0.0770435333, 0.0290870667], [0, 0, 0], [-0.227492362,
         0.061182119, 0.166310236], [0, 0, 0]]],
        None),
    'tversky': (0.600000024,
        [[-0.200000003, 0.0500000007, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003],
         [0.0500000007, -0.200000003, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003]],
        [[-0.0649999976, -0.0400000028, -0.0400000028], [-0.0400000028, -0.0400000028, -0.0649999976],
         [-0.0400000028, -0.0649999976, -0.0400000028], [-0.0400000028, -0.0400000028,
         -0.0649999976]]),
    'tversky_ab_axis1_sw': (0.600000083,
        [[-0.214999989, 0.034999989, 0.034999989], [0, 0, 0], [0.262499928, -0.487500012, 0.262499928],
         [0.0699999779, 0.0699999779, -0.0550000072]],
        [[-0.111789964, -0.0610399805, -0.0610399805], [0, 0, 0], [-0.539437294, -0.500062466,
         -0.539437294], [-0.0262849797, -0.0262849797, -0.0114099933]]),
    'tversky_fn': (0.600000024,
        [[-0.200000003, 0.0500000007, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003],
         [0.0500000007, -0.200000003, 0.0500000007], [0.0500000007, 0.0500000007, -0.200000003]],
        None),
    'tversky_img_sum': (0.541666627,
        [[[[-0.106837586], [0.213675216], [-0.106837586]], [[-0.106837586], [-0.106837586],
         [0.213675216]]], [[[0.240384623], [0.240384623], [-0.240384623]], [[-0.240384623],
         [0.240384623], [0.240384623]]]],
        [[[[-0.0702416748], [-0.0702416897], [-0.0702416748]], [[-0.0702416748], [-0.0702416748],
         [-0.0702416897]]], [[[-0.355598569], [-0.355598569], [-0.177799284]], [[-0.177799284],
         [-0.355598569], [-0.355598569]]]]),
}


@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_loss_value_and_gradients_match_tf(name):
    value, grad, hess = run_loss(tf, name)
    want_value, want_grad, want_hess = TF_LOSSES[name]
    np.testing.assert_allclose(value, want_value, rtol=RTOL, atol=1e-7, err_msg=f"{name}: value")
    np.testing.assert_allclose(grad, want_grad, rtol=RTOL, atol=1e-7, err_msg=f"{name}: gradient")
    if want_hess is not None:
        np.testing.assert_allclose(hess, want_hess, rtol=RTOL, atol=1e-6, err_msg=f"{name}: 2nd order")


def test_every_case_has_tf_numbers():
    assert sorted(TF_LOSSES) == sorted(LOSS_CASES)


# -- hand-checkable values ------------------------------------------------------------------------
def test_mean_with_sample_weight_is_weighted_sum_over_weight_sum():
    loss = L.MeanSquaredError(reduction=MWSW)
    # TF 2.21: 3.0 = (1*0 + 0*1 + 3*4) / (1 + 0 + 3)
    assert float(loss([[0.0], [1.0], [2.0]], np.zeros((3, 1), np.float32), sample_weight=[1, 0, 3])) == 3.0
    assert loss.get_config()["reduction"] == "mean_with_sample_weight"


def test_ignored_entries_get_no_gradient_and_are_left_out_of_the_mean():
    p = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        per = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2, reduction="none")(LABELS, p)
        total = tf.reduce_sum(per)
    g = tape.gradient(total, p).numpy()
    assert per.numpy()[1] == 0 and per.numpy()[3] == 0
    np.testing.assert_array_equal(g[[1, 3]], 0)
    assert np.all(g[[0, 2]] != 0)
    mean = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=2)(LABELS, LOGITS)
    np.testing.assert_allclose(float(mean), per.numpy()[[0, 2]].mean(), rtol=RTOL)


def test_dice_and_tversky_documented_example():
    y_true = [[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]]
    y_pred = [[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]]
    # Keras 3.15's docstring values (TF 2.21 prints the same)
    np.testing.assert_allclose(L.Dice(axis=(1, 2, 3), reduction=None)(y_true, y_pred).numpy(),
                               [0.5, 0.75757575], rtol=RTOL)
    np.testing.assert_allclose(float(L.Dice()(y_true, y_pred)), 0.6164384, rtol=RTOL)
    np.testing.assert_allclose(float(L.Tversky()(y_true, y_pred)), 0.6164384, rtol=RTOL)


def test_new_losses_configs_match_keras_and_round_trip():
    cfce = L.CategoricalFocalCrossentropy(alpha=[0.2, 0.8], gamma=1.5)
    # TF 2.21's get_config()
    assert cfce.get_config() == {"name": "categorical_focal_crossentropy", "reduction": "sum_over_batch_size",
                                 "from_logits": False, "label_smoothing": 0.0, "axis": -1,
                                 "alpha": [0.2, 0.8], "gamma": 1.5}
    assert L.Dice(axis=(1, 2)).get_config() == {"name": "dice", "reduction": "sum_over_batch_size",
                                                "axis": (1, 2)}
    assert L.Tversky(alpha=0.3).get_config() == {"name": "tversky", "reduction": "sum_over_batch_size",
                                                 "alpha": 0.3, "beta": 0.5, "axis": None}
    assert L.SparseCategoricalCrossentropy(ignore_class=255).get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": 255}
    for loss in (cfce, L.Dice(axis=(1, 2)), L.Tversky(alpha=0.3, axis=1),
                 L.SparseCategoricalCrossentropy(ignore_class=255)):
        again = L.deserialize(L.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()


def test_loss_dtype():
    out = L.MeanSquaredError(dtype="float64")(ONEHOT, PROBS)
    assert out.dtype == tf.float64 and L.MeanSquaredError(dtype=tf.float64).dtype == "float64"
    assert L.MeanSquaredError().dtype is None  # computes in y_pred's dtype (float32 here)
    assert L.MeanSquaredError()(ONEHOT, PROBS).dtype == tf.float32
    assert L.CategoricalCrossentropy(dtype="float64")(ONEHOT, PROBS).dtype == tf.float64


# -- keras.losses.get -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, fn", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("mae", "mean_absolute_error"),
    ("mape", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"),
    ("kld", "kl_divergence"), ("bce", "binary_crossentropy"), ("huber", "huber"),
    ("binary_crossentropy", "binary_crossentropy"), ("categorical_crossentropy", "categorical_crossentropy"),
    ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"), ("log_cosh", "log_cosh"),
    ("categorical_focal_crossentropy", "categorical_focal_crossentropy"), ("dice", "dice"),
    ("tversky", "tversky")])
def test_get_returns_the_per_sample_function_for_function_names(name, fn):
    # TF 2.21: keras.losses.get(name) is the function of that __name__
    got = L.get(name)
    assert got is getattr(L, fn) and got.__name__ == fn


def test_get_function_gives_one_value_per_sample():
    out = L.get("mse")(np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32))
    assert tuple(out.shape) == (2,)  # TF 2.21: shape (2,)


@pytest.mark.parametrize("name", ["MeanSquaredError", "Huber", "KLDivergence", "Dice", "Tversky",
                                  "CategoricalFocalCrossentropy", "LogCosh"])
def test_get_returns_an_instance_for_class_names(name):
    assert type(L.get(name)) is getattr(L, name)


def test_get_edge_cases():
    assert L.get(None) is None
    assert type(L.get(L.Dice)) is L.Dice
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'logcosh'"):
        L.get("logcosh")  # TF 2.21 rejects it too
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'huber_loss'"):
        L.get("huber_loss")


@pytest.mark.parametrize("name, cls", [("mse", "MeanSquaredError"), ("mae", "MeanAbsoluteError"),
                                       ("huber", "Huber"), ("kld", "KLDivergence"),
                                       ("binary_crossentropy", "BinaryCrossentropy"),
                                       ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
                                       ("dice", "Dice")])
def test_compile_still_resolves_names_to_loss_classes(name, cls):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    m.compile("sgd", name)
    assert type(m.loss) is getattr(L, cls)


# -- bad arguments --------------------------------------------------------------------------------
@pytest.mark.parametrize("make, err, match", [
    (lambda: L.MeanSquaredError(reduction="avg"), ValueError,
     "MeanSquaredError: Invalid value for argument `reduction`.*mean_with_sample_weight"),
    (lambda: L.Dice(dtype="int32"), ValueError, "Dice 'dice': `dtype` must be a float dtype"),
    (lambda: L.SparseCategoricalCrossentropy(ignore_class=1.5), TypeError, "`ignore_class` must be an int"),
    (lambda: L.CategoricalFocalCrossentropy(axis=True), ValueError, "CategoricalFocalCrossentropy: `axis` must be"),
    (lambda: L.Tversky(axis=(1, "b")), ValueError, "Tversky: `axis` must be"),
    (lambda: L.CategoricalFocalCrossentropy(alpha=[0.1, 0.2])(ONEHOT, PROBS), ValueError,
     "categorical_focal_crossentropy: `alpha` must be a number or one weight per class"),
    (lambda: L.Dice()(np.ones((3, 2), np.float32), np.ones((4, 2), np.float32)), tf.errors.InvalidArgumentError,
     r"dice: y_true of shape \(3, 2\) and y_pred of shape \(4, 2\) are incompatible"),
    (lambda: L.SparseCategoricalCrossentropy(ignore_class=-1)([0, 5], PROBS[:2]), ValueError,
     "Received a label value of 5"),
])
def test_bad_arguments_name_the_loss(make, err, match):
    with pytest.raises(err, match=match):
        make()


# -- SparseCategoricalCrossentropy(ignore_class) with a model's output mask, in fit ---------------
EMB = np.array([[0.1, -0.2, 0.3], [0.5, 0.1, -0.4], [-0.3, 0.8, 0.2], [0.6, -0.5, 0.1],
                [0.2, 0.3, -0.7]], np.float32)
KERNEL = np.array([[0.4, -0.3, 0.2, 0.1], [-0.5, 0.6, 0.3, -0.2], [0.7, 0.1, -0.6, 0.4]], np.float32)
BIAS = np.array([0.05, -0.05, 0.1, 0.0], np.float32)
IDS = np.array([[1, 2, 3, 0, 0], [4, 1, 0, 0, 0], [2, 2, 4, 1, 0], [3, 0, 0, 0, 0],
                [1, 4, 2, 3, 2], [2, 1, 0, 0, 0]], np.int32)
TOKENS = np.array([[1, 3, 0, 0, 0], [2, 0, 0, 0, 0], [3, 1, 2, 0, 0], [1, 0, 0, 0, 0],
                   [0, 2, 3, 1, 3], [2, 3, 0, 0, 0]])


def run_masked_fit(lib, ignore_class, reduction="sum_over_batch_size", sample_weight=None):
    """(loss history, final weights, evaluate) of Embedding(mask_zero) -> Dense trained with
    SCCE(ignore_class) under SGD, with ``lib`` (tapegrad here, tensorflow for the literals)."""
    k = lib.keras
    m = k.Sequential([k.Input((5,), dtype="int32"), k.layers.Embedding(5, 3, mask_zero=True),
                      k.layers.Dense(4)])
    m.set_weights([EMB, KERNEL, BIAS])
    m.compile(k.optimizers.SGD(0.5), k.losses.SparseCategoricalCrossentropy(
        from_logits=True, ignore_class=ignore_class, reduction=reduction))
    h = m.fit(IDS, TOKENS, sample_weight=sample_weight, batch_size=4, epochs=3, shuffle=False, verbose=0)
    return ([float(v) for v in h.history["loss"]], [w.tolist() for w in m.get_weights()],
            float(m.evaluate(IDS, TOKENS, sample_weight=sample_weight, verbose=0)))


MASKED_FIT_CASES = {
    "ignore_pad_0": (0, "sum_over_batch_size", None),
    "ignore_3": (3, "sum_over_batch_size", None),
    "ignore_3_mwsw_sw": (3, "mean_with_sample_weight", np.linspace(0.5, 2.0, 30, dtype=np.float32).reshape(6, 5)),
}

# TF 2.21's run_masked_fit(tensorflow, *case)
TF_MASKED_FIT = {
    'ignore_3': ([1.30661392, 1.13801682, 1.00378084],
        [[[0.100000001, -0.200000003, 0.300000012], [0.683267534, -0.22795555, 0.0259351507],
         [-0.320756406, 0.928568065, -0.0392817408], [0.418864042, -0.242737949, 0.127268061],
         [0.225871578, 0.430202365, -1.06928325]], [[0.594169855, -0.103587419, -0.0277273171,
         -0.0628550202], [-0.566023767, 0.345591754, 0.65635699, -0.235925019], [0.657330275,
         0.284096748, -0.821903467, 0.480476409]], [0.199045464, 0.175509602, 0.208563358,
         -0.483118355]],
        0.901987851),
    'ignore_3_mwsw_sw': ([1.32409668, 1.13920557, 0.995829761],
        [[[0.100000001, -0.200000003, 0.300000012], [0.712441981, -0.266031414, 0.0203898624],
         [-0.323489964, 0.941392779, -0.0549640805], [0.37357682, -0.186981529, 0.115798414],
         [0.227398247, 0.430368423, -1.06521559]], [[0.595957339, -0.116768405, -0.0250473395,
         -0.0541416593], [-0.566570759, 0.342526615, 0.667535961, -0.243491769], [0.644462049,
         0.299345523, -0.821085095, 0.477277488]], [0.166208044, 0.191522405, 0.225350201,
         -0.483080685]],
        0.877956569),
    'ignore_pad_0': ([1.37670279, 1.21344018, 1.10187376],
        [[[0.100000001, -0.200000003, 0.300000012], [0.409312338, 0.146541059, -0.251572639],
         [-0.334083945, 0.749836445, 0.31994158], [0.464576542, -0.287674159, 0.0551916324],
         [0.264175922, 0.374661207, -1.05151987]], [[0.329872489, -0.000109560788, 0.162208349,
         -0.0919712782], [-0.613319397, 0.222689405, 0.373335868, 0.217294216], [0.721734762,
         0.143041283, -0.840106249, 0.575330138]], [-0.421535313, 0.0386494212, 0.0834324881,
         0.399453342]],
        1.0303514),
}


@pytest.mark.parametrize("name", sorted(MASKED_FIT_CASES))
def test_ignore_class_with_output_mask_in_fit_matches_tf(name):
    hist, weights, ev = run_masked_fit(tf, *MASKED_FIT_CASES[name])
    want_hist, want_weights, want_ev = TF_MASKED_FIT[name]
    np.testing.assert_allclose(hist, want_hist, rtol=RTOL)
    for w, want in zip(weights, want_weights):
        np.testing.assert_allclose(w, want, rtol=RTOL, atol=1e-7)
    np.testing.assert_allclose(ev, want_ev, rtol=RTOL)


def test_sparse_ce_with_ignore_class_is_not_turned_dense_in_fit():
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1)
    m.compile("sgd", loss)
    fn, ys = m._dense_targets(m.loss, np.ones((2, 3), np.float32), np.array([0.0, 1.0], np.float32))
    assert fn is loss and ys.shape == (2,)


# -- test_on_batch --------------------------------------------------------------------------------
X = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], np.float32)
Y = np.array([[1.0], [0.0], [2.0]], np.float32)


def _small(metrics=None, reg=False):
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(
        1, kernel_regularizer=keras.regularizers.L2(0.1) if reg else None)])
    m.set_weights([np.array([[0.5], [-0.25]], np.float32), np.zeros(1, np.float32)])
    m.compile("sgd", "mse", metrics=metrics)
    return m


def test_test_on_batch_matches_tf():
    # TF 2.21's returns for the same calls
    m = _small()
    r = m.test_on_batch(X, Y)
    assert isinstance(r, float)
    np.testing.assert_allclose(r, 2.5260417461395264, rtol=RTOL)
    assert m.test_on_batch(X, Y, return_dict=True) == pytest.approx({"loss": 2.5260417461395264}, rel=RTOL)
    assert m.test_on_batch(X[:1], Y[:1]) == 1.0
    np.testing.assert_array_equal(m.get_weights()[0], [[0.5], [-0.25]])  # no update
    assert int(m.optimizer.iterations) == 0

    m = _small(["mae"])
    np.testing.assert_allclose(m.test_on_batch(X, Y), [2.5260417461395264, 1.5416666269302368], rtol=RTOL)
    assert m.test_on_batch(X[:1], Y[:1]) == [1.0, 1.0]  # this batch's metrics alone
    assert m.test_on_batch(X[:1], Y[:1], return_dict=True) == {"loss": 1.0, "mae": 1.0}
    np.testing.assert_allclose(_small(["mae"]).test_on_batch(X, Y, sample_weight=np.array([1.0, 0.0, 2.0])),
                               [2.6770832538604736, 1.5416666269302368], rtol=RTOL)
    np.testing.assert_allclose(_small(reg=True).test_on_batch(X, Y), 2.5572917461395264, rtol=RTOL)


def test_test_on_batch_multi_output_matches_tf():
    i = keras.Input((2,))
    mm = keras.Model(i, [keras.layers.Dense(1, name="a", kernel_initializer="ones")(i),
                         keras.layers.Dense(1, name="b", kernel_initializer="zeros")(i)])
    mm.compile("sgd", ["mse", "mae"], loss_weights=[1.0, 2.0])
    # TF 2.21: [5.0, 3.0, 1.0] and {'a_loss': 3.0, 'b_loss': 1.0, 'loss': 5.0}
    assert mm.test_on_batch(X, [Y, Y]) == [5.0, 3.0, 1.0]
    assert mm.test_on_batch(X, [Y, Y], return_dict=True) == {"loss": 5.0, "a_loss": 3.0, "b_loss": 1.0}


def test_test_on_batch_errors():
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="compile"):  # TF 2.21: ValueError too
        m.test_on_batch(X, Y)
    with pytest.raises(RuntimeError, match="compile"):  # still tapegrad's RuntimeError
        m.test_on_batch(X, Y)
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`y`"):
        m.test_on_batch(X)
    with pytest.raises(ValueError, match="same number"):
        m.test_on_batch(X, Y[:2])


# -- input_shape / output_shape -------------------------------------------------------------------
def test_input_and_output_shapes_match_tf():
    # TF 2.21's values
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert m.input_shape == (None, 4) and m.output_shape == (None, 2)
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Reshape((2, 1))])
    assert m.input_shape == (None, 3) and m.output_shape == (None, 2, 1)
    m = keras.Sequential([keras.Input((3,), batch_size=8), keras.layers.Dense(2)])
    assert m.input_shape == (8, 3) and m.output_shape == (8, 2)
    m = keras.Sequential([keras.layers.Dense(2)])
    m.build((None, 7))
    assert m.input_shape == (None, 7) and m.output_shape == (None, 2)
    i = keras.Input((4,))
    f = keras.Model(i, keras.layers.Dense(3)(i))
    assert f.input_shape == (None, 4) and f.output_shape == (None, 3)
    i1, i2 = keras.Input((4,)), keras.Input((2, 5))
    o1, o2 = keras.layers.Dense(3)(i1), keras.layers.Dense(1)(i2)
    f = keras.Model([i1, i2], [o1, o2])
    assert f.input_shape == [(None, 4), (None, 2, 5)] and f.output_shape == [(None, 3), (None, 2, 1)]
    f = keras.Model({"a": i1, "b": i2}, {"x": o1, "y": o2})  # Keras 3: flat lists (sorted keys)
    assert f.input_shape == [(None, 4), (None, 2, 5)] and f.output_shape == [(None, 3), (None, 2, 1)]


def test_sequential_shape_unknown_until_built():
    m = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(AttributeError, match="has no defined input shape yet"):  # as TF 2.21
        m.input_shape
    assert getattr(m, "output_shape", None) is None
    m(np.ones((3, 5), np.float32))
    assert m.input_shape == (None, 5) and m.output_shape == (None, 2)  # TF: (3, 5), (3, 2)


def test_sequential_output_shape_through_a_lambda():
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2),
                          keras.layers.Lambda(lambda t: tf.concat([t, t], -1))])
    assert m.output_shape == (None, 4)


# -- fit(arrays, steps_per_epoch=k): one pass carried across epochs, as TF ------------------------
class _Batches(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append((batch, round(float(logs["loss"]), 4)))


def _identity_fit(n, batch_size, steps, epochs, shuffle=False):
    """An identity model (kernel 1, SGD(0)) on x = 0..n-1, y = 0: each batch's loss is the mean
    of its rows' squares, which tells the rows apart."""
    x = np.arange(n, dtype=np.float32).reshape(n, 1)
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.0), "mse")
    rec = _Batches()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = m.fit(x, np.zeros((n, 1), np.float32), batch_size=batch_size, steps_per_epoch=steps,
                  epochs=epochs, shuffle=shuffle, verbose=0, callbacks=[rec])
    ran_out = [w for w in caught if "ran out" in str(w.message)]
    return [round(v, 4) for v in h.history["loss"]], rec.batches, h.params["steps"], len(ran_out)


@pytest.mark.parametrize("n, batch_size, steps, epochs, history, batches, warned", [
    # TF 2.21: (history, (batch index, running loss) per step, number of "ran out of data" warnings)
    (10, 4, 2, 3, [17.5, 72.5, 17.5], [(0, 3.5), (1, 17.5), (0, 72.5), (0, 3.5), (1, 17.5)], 1),
    (10, 4, 2, 5, [17.5, 72.5, 17.5, 72.5, 17.5],
     [(0, 3.5), (1, 17.5), (0, 72.5), (0, 3.5), (1, 17.5), (0, 72.5), (0, 3.5), (1, 17.5)], 2),
    (12, 4, 2, 3, [17.5, 91.5, 17.5], [(0, 3.5), (1, 17.5), (0, 91.5), (0, 3.5), (1, 17.5)], 1),
    (10, 4, 5, 2, [28.5, 28.5], [(0, 3.5), (1, 17.5), (2, 28.5), (0, 3.5), (1, 17.5), (2, 28.5)], 2),
    (10, 4, 3, 2, [28.5, 28.5], [(0, 3.5), (1, 17.5), (2, 28.5), (0, 3.5), (1, 17.5), (2, 28.5)], 0),
    (10, 2, 2, 4, [3.5, 31.5, 72.5, 3.5],
     [(0, 0.5), (1, 3.5), (0, 20.5), (1, 31.5), (0, 72.5), (0, 0.5), (1, 3.5)], 1),
])
def test_steps_per_epoch_batch_order_matches_tf(n, batch_size, steps, epochs, history, batches, warned):
    got_history, got_batches, params_steps, got_warned = _identity_fit(n, batch_size, steps, epochs)
    assert got_history == history
    assert got_batches == batches
    assert params_steps == steps  # TF 2.21's params['steps'] is steps_per_epoch
    assert got_warned == warned


class _RecordRows(keras.layers.Layer):
    """Identity layer that records the rows it sees in training."""

    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def call(self, inputs, training=None):
        if training:
            self.seen.append(inputs.numpy()[:, 0].astype(int).tolist())
        return inputs


def test_steps_per_epoch_with_shuffle_covers_every_row_once_per_pass():
    seen = []
    m = keras.Sequential([keras.Input((1,)), _RecordRows(seen), keras.layers.Dense(1)])
    m.compile(keras.optimizers.SGD(0.0), "mse")
    tf.random.set_seed(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(np.arange(10, dtype=np.float32).reshape(10, 1), np.zeros((10, 1), np.float32),
              batch_size=4, steps_per_epoch=2, epochs=6, verbose=0)
    # as TF: batches of 4, 4 | 2 | 4, 4 | 2 ...: each pass of 3 epochs is a permutation of the rows
    assert [len(b) for b in seen] == [4, 4, 2, 4, 4, 2, 4, 4, 2]
    passes = [sum(seen[i:i + 3], []) for i in (0, 3, 6)]
    for rows in passes:
        assert sorted(rows) == list(range(10))
    assert passes[0] != passes[1] or passes[1] != passes[2]  # reshuffled per pass


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_steps_per_epoch_must_be_a_positive_integer(bad):
    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    m.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`steps_per_epoch` must be a positive integer"):
        m.fit(np.ones((4, 3), np.float32), np.ones((4, 2), np.float32), steps_per_epoch=bad, verbose=0)
