"""The Keras 3 metrics of session 23 against TF 2.21 / Keras 3.15: the four counts
(TruePositives, FalsePositives, TrueNegatives, FalseNegatives), PrecisionAtRecall,
RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, FBetaScore, F1Score,
R2Score and the IoUs (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU).

Every expected number below is TF 2.21's output (tf.keras.metrics, Keras 3.15.1) for the same
calls on the same literal inputs, recorded from a reference TF install; TF is not needed to
run these tests. Each scenario updates several batches (with and without sample_weight),
reads result() after each, resets and updates again; compared at rtol 1e-6."""

import json
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.errors import InvalidArgumentError

M = keras.metrics
NAN = float("nan")

# -- scenarios: inputs (literals) ----------------------------------------------------------------
B_T = [0, 1, 1, 0, 1, 0, 1, 1]
B_P = [0.1, 0.5, 0.9, 0.75, 0.3, 0.5, 0.65, 1.0]
B_W = [1.0, 2.0, 0.5, 0.0, 3.0, 1.5, 1.0, 0.25]
B_T2 = [1, 0, 0, 1, 0]
B_P2 = [0.0, 0.2, 0.8, 0.45, 0.95]
NEG_T = [0, 0, 0, 0]
NEG_P = [0.2, 0.7, 0.5, 0.9]
POS_T = [1, 1, 1]
POS_P = [0.0, 0.6, 0.25]
# (batch, 3) multi-class / multi-label
C_T = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0], [0, 0, 1]]
C_P = [[0.7, 0.2, 0.1], [0.3, 0.5, 0.2], [0.2, 0.2, 0.6], [0.6, 0.1, 0.55], [0.5, 0.45, 0.05], [0.1, 0.8, 0.1]]
C_W = [1.0, 0.5, 2.0, 1.0, 0.0, 3.0]
C_T2 = [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
C_P2 = [[0.1, 0.6, 0.3], [0.4, 0.4, 0.2], [0.0, 0.0, 0.0]]
C_W2 = [0.5, 1.0, 2.0]
R_T = [[1.0, 2.0], [2.0, 1.5], [4.0, 0.5], [3.0, 3.0], [0.5, 2.5]]
R_P = [[1.5, 2.0], [2.5, 1.0], [3.0, 1.0], [3.5, 2.5], [0.0, 2.0]]
R_W = [1.0, 2.0, 0.5, 1.5, 1.0]
R_W2 = [[1.0, 0.5], [2.0, 1.0], [0.5, 0.0], [1.5, 2.0], [1.0, 1.0]]
R_T2 = [[2.0, 1.0], [1.0, 4.0]]
R_P2 = [[2.5, 0.0], [1.5, 3.0]]
I_T = [0, 1, 2, 1, 0, 2, 2, 1]
I_P = [0, 1, 1, 1, 2, 2, 0, 0]
I_W = [1, 2, 1, 3, 0, 1, 2, 1]
I_T2 = [[0, 1], [2, 2]]
I_P2 = [[0, 2], [2, 1]]
OH_T = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]]
OH_P = [[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.5, 0.1, 0.4], [0.1, 0.2, 0.7], [0.4, 0.4, 0.2]]
OH_W = [1, 2, 1, 1, 3]


def acc(ctor, *batches, weights=True):
    """update/result per batch (without weights, then with), then reset and one more."""
    steps = []
    for (t, p, w) in batches:
        steps += [("u", t, p, None), ("r",)]
        if weights and w is not None:
            steps += [("u", t, p, w), ("r",)]
    t, p, w = batches[0]
    steps += [("reset",), ("r",), ("u", t, p, w if weights else None), ("r",)]
    return steps


CASES = []
for cls in ("TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"):
    for ctor in (f"M.{cls}()", f"M.{cls}(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0])",
                 f"M.{cls}(thresholds=[0.3, 0.9])", f"M.{cls}(thresholds=0.5)"):
        CASES.append((ctor, acc(ctor, (B_T, B_P, B_W), (B_T2, B_P2, [1.0, 0.0, 2.0, 1.0, 1.0]))))
    CASES.append((f"M.{cls}(thresholds=[0.2, 0.6])",
                   [("u", C_T, C_P, C_W), ("r",), ("u", C_T2, C_P2, [[1.0], [2.0], [0.5]]), ("r",),
                    ("u", NEG_T, NEG_P, None), ("r",)]))
for cls, arg in (("PrecisionAtRecall", "recall"), ("RecallAtPrecision", "precision"),
                 ("SensitivityAtSpecificity", "specificity"), ("SpecificityAtSensitivity", "sensitivity")):
    for v in (0.0, 0.5, 0.8, 1.0):
        ctor = f"M.{cls}({v})"
        CASES.append((ctor, acc(ctor, (B_T, B_P, B_W), (B_T2, B_P2, [1.0, 0.0, 2.0, 1.0, 1.0]))))
    for ctor in (f"M.{cls}({arg}=0.6, num_thresholds=5)", f"M.{cls}(0.4, num_thresholds=1)",
                 f"M.{cls}(0.7, num_thresholds=3)", f"M.{cls}(0.5, num_thresholds=2)"):
        CASES.append((ctor, acc(ctor, (B_T, B_P, B_W), (B_T2, B_P2, [1.0, 0.0, 2.0, 1.0, 1.0]))))
    for cid in (0, 2):
        ctor = f"M.{cls}(0.5, class_id={cid})"
        CASES.append((ctor, acc(ctor, (C_T, C_P, C_W), (C_T2, C_P2, C_W2))))
    for ctor in (f"M.{cls}(0.5)", f"M.{cls}(0.0)"):
        CASES.append((ctor + "#neg", [("r",), ("u", NEG_T, NEG_P, None), ("r",), ("reset",), ("u", POS_T, POS_P, None), ("r",)]))
for avg in ("None", "'micro'", "'macro'", "'weighted'"):
    for ctor in (f"M.F1Score(average={avg})", f"M.F1Score(average={avg}, threshold=0.5)",
                 f"M.FBetaScore(average={avg}, beta=2.0)", f"M.FBetaScore(average={avg}, beta=0.5, threshold=0.45)"):
        CASES.append((ctor, acc(ctor, (C_T, C_P, C_W), (C_T2, C_P2, C_W2))))
    CASES.append((f"M.F1Score(average={avg})#empty", [("u", [[0, 0, 0]], [[0.0, 0.0, 0.0]], None), ("r",),
                                                      ("u", [[0, 1, 0]], [[0.1, 0.2, 0.05]], None), ("r",)]))
for agg in ("None", "'uniform_average'", "'variance_weighted_average'"):
    for reg in (0, 1, 3, 20):
        ctor = f"M.R2Score(class_aggregation={agg}, num_regressors={reg})"
        CASES.append((ctor, acc(ctor, (R_T, R_P, R_W), (R_T2, R_P2, [[2.0], [1.0]]))))
    ctor = f"M.R2Score(class_aggregation={agg})"
    CASES.append((ctor + "#w2", [("u", R_T, R_P, R_W2), ("r",), ("u", [[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]], 2.0), ("r",)]))
    CASES.append((ctor + "#const", [("u", [[1.0, 2.0], [1.0, 3.0]], [[1.5, 2.0], [1.0, 3.5]], None), ("r",)]))
    CASES.append((ctor + "#1d", [("u", [1.0, 2.0, 4.0], [[1.0], [2.5], [3.0]], None), ("r",)]))
for ctor in ("M.IoU(3, [0])", "M.IoU(3, [1, 2])", "M.IoU(3, [0, 1, 2], ignore_class=2)", "M.IoU(3, [-1])",
             "M.MeanIoU(3)", "M.MeanIoU(3, ignore_class=0)", "M.MeanIoU(3, dtype='float32')",
             "M.MeanIoU(4)", "M.IoU(3, [2], dtype='int32')"):
    CASES.append((ctor, acc(ctor, (I_T, I_P, I_W), (I_T2, I_P2, [[1, 2], [3, 1]]))))
for ctor in ("M.MeanIoU(3)", "M.MeanIoU(3, dtype='float32')", "M.MeanIoU(3, ignore_class=-1)"):
    CASES.append((ctor + "#odd", [("r",), ("u", [0.9, 1.2, 2.7, -0.5, 5, -1], [0, 1, 2, 0, 1, 1], [0.5, 1.5, 1.0, 2.0, 1.0, 1.0]), ("r",),
                                  ("u", [0, 1, 2, 1], [0, 1, 1, 1], 2.5), ("r",)]))
for ctor in ("M.BinaryIoU()", "M.BinaryIoU(target_class_ids=[0])", "M.BinaryIoU(target_class_ids=[1], threshold=0.65)",
             "M.BinaryIoU(threshold=0.0)", "M.BinaryIoU(dtype='float32')"):
    CASES.append((ctor, acc(ctor, (B_T, B_P, [1, 2, 1, 0, 3, 1, 1, 2]), (B_T2, B_P2, [2, 1, 1, 1, 0]))))
    CASES.append((ctor + "#2d", [("u", [[0, 1], [1, 0.9]], [[0.5, 0.49], [0.7, 0.9]], None), ("r",)]))
for ctor in ("M.OneHotIoU(3, [0, 2])", "M.OneHotIoU(3, [1])", "M.OneHotMeanIoU(3)", "M.OneHotMeanIoU(3, ignore_class=1)"):
    CASES.append((ctor, acc(ctor, (OH_T, OH_P, OH_W), (C_T2, C_P2, [1, 1, 2]))))
CASES.append(("M.OneHotMeanIoU(3, axis=0)", acc(None, (OH_T, OH_P, None), (C_T2, C_P2, None), weights=False)))
CASES.append(("M.OneHotIoU(3, [0, 2], sparse_y_pred=True)", [("u", OH_T, [0, 1, 0, 2, 0], OH_W), ("r",)]))
CASES.append(("M.OneHotMeanIoU(3, sparse_y_pred=True)", [("u", OH_T, [0, 1, 0, 2, 0], None), ("r",)]))
CASES.append(("M.IoU(3, [0, 1], sparse_y_true=False)", [("u", OH_T, [0, 1, 0, 2, 0], None), ("r",)]))
CASES.append(("M.MeanIoU(3, sparse_y_pred=False)", [("u", [0, 1, 2, 1, 0], OH_P, [1, 1, 0, 2, 1]), ("r",)]))


EXPECTED = {  # TF 2.21 / Keras 3.15's result() after each ('r',) step
    'M.TruePositives()': [3, 4.75, 4.75, 4.75, 0, 1.75],
    'M.TruePositives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0])': [
        [5, 5, 3, 2, 0],
        [11.75, 11.75, 4.75, 2.75, 0],
        [12.75, 12.75, 4.75, 2.75, 0],
        [13.75, 13.75, 4.75, 2.75, 0],
        [0, 0, 0, 0, 0],
        [6.75, 6.75, 1.75, 0.75, 0],
    ],
    'M.TruePositives(thresholds=[0.3, 0.9])':
        [[4, 1], [7.75, 1.25], [8.75, 1.25], [9.75, 1.25], [0, 0], [3.75, 0.25]],
    'M.TruePositives(thresholds=0.5)': [3, 4.75, 4.75, 4.75, 0, 1.75],
    'M.TruePositives(thresholds=[0.2, 0.6])': [[5.5, 1], [8.5, 1], [8.5, 1]],
    'M.FalsePositives()': [1, 1, 3, 6, 0, 0],
    'M.FalsePositives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0])': [
        [3, 2, 1, 0, 0],
        [5.5, 3.5, 1, 0, 0],
        [8.5, 5.5, 3, 2, 0],
        [11.5, 8.5, 6, 5, 0],
        [0, 0, 0, 0, 0],
        [2.5, 1.5, 0, 0, 0],
    ],
    'M.FalsePositives(thresholds=[0.3, 0.9])':
        [[2, 0], [3.5, 0], [5.5, 1], [8.5, 2], [0, 0], [1.5, 0]],
    'M.FalsePositives(thresholds=0.5)': [1, 1, 3, 6, 0, 0],
    'M.FalsePositives(thresholds=[0.2, 0.6])': [[3.5, 3], [6.5, 3], [9.5, 5]],
    'M.TrueNegatives()': [2, 4.5, 5.5, 5.5, 0, 2.5],
    'M.TrueNegatives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0])': [
        [0, 1, 2, 3, 3],
        [0, 2, 4.5, 5.5, 5.5],
        [0, 3, 5.5, 6.5, 8.5],
        [0, 3, 5.5, 6.5, 11.5],
        [0, 0, 0, 0, 0],
        [0, 1, 2.5, 2.5, 2.5],
    ],
    'M.TrueNegatives(thresholds=[0.3, 0.9])':
        [[1, 3], [2, 5.5], [3, 7.5], [3, 9.5], [0, 0], [1, 2.5]],
    'M.TrueNegatives(thresholds=0.5)': [2, 4.5, 5.5, 5.5, 0, 2.5],
    'M.TrueNegatives(thresholds=[0.2, 0.6])': [[10.5, 11], [14.5, 18], [15.5, 20]],
    'M.FalseNegatives()': [2, 7, 9, 11, 0, 5],
    'M.FalseNegatives(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0])': [
        [0, 0, 2, 3, 5],
        [0, 0, 7, 9, 11.75],
        [1, 1, 9, 11, 13.75],
        [2, 2, 11, 13, 15.75],
        [0, 0, 0, 0, 0],
        [0, 0, 5, 6, 6.75],
    ],
    'M.FalseNegatives(thresholds=[0.3, 0.9])':
        [[1, 4], [4, 10.5], [5, 12.5], [6, 14.5], [0, 0], [3, 6.5]],
    'M.FalseNegatives(thresholds=0.5)': [2, 7, 9, 11, 0, 5],
    'M.FalseNegatives(thresholds=[0.2, 0.6])': [[3, 7.5], [3.5, 11], [3.5, 11]],
    'M.PrecisionAtRecall(0.0)': [1, 1, 1, 1, 0, 1],
    'M.PrecisionAtRecall(0.5)': [0.75, 0.7704918, 0.69863015, 0.6179775, 0, 0.8181818],
    'M.PrecisionAtRecall(0.8)': [0.71428573, 0.7704918, 0.69863015, 0.6179775, 0, 0.8181818],
    'M.PrecisionAtRecall(1.0)': [0.71428573, 0.7704918, 0, 0, 0, 0.8181818],
    'M.PrecisionAtRecall(recall=0.6, num_thresholds=5)':
        [0.75, 0.7704918, 0.69863015, 0.6179775, 0, 0.8181818],
    'M.PrecisionAtRecall(0.4, num_thresholds=1)': [0.75, 0.82608694, 0, 0, 0, 0],
    'M.PrecisionAtRecall(0.7, num_thresholds=3)': [0.625, 0.68115944, 0.6, 0.5445545, 0, 0.7297297],
    'M.PrecisionAtRecall(0.5, num_thresholds=2)': [0.625, 0.68115944, 0.6, 0.5445545, 0, 0.7297297],
    'M.PrecisionAtRecall(0.5, class_id=0)': [1, 1, 1, 1, 0, 1],
    'M.PrecisionAtRecall(0.5, class_id=2)': [1, 1, 1, 0.5625, 0, 1],
    'M.PrecisionAtRecall(0.5)#neg': [0, 0, 1],
    'M.PrecisionAtRecall(0.0)#neg': [0, 0, 1],
    'M.RecallAtPrecision(0.0)': [1, 1, 0.92727274, 0.8730159, 0, 1],
    'M.RecallAtPrecision(0.5)': [1, 1, 0.92727274, 0.8730159, 0, 1],
    'M.RecallAtPrecision(0.8)': [0.4, 0.40425533, 0.09090909, 0.07936508, 0, 1],
    'M.RecallAtPrecision(1.0)': [0.4, 0.23404256, 0.09090909, 0.07936508, 0, 0.25925925],
    'M.RecallAtPrecision(precision=0.6, num_thresholds=5)': [1, 1, 0.92727274, 0.8730159, 0, 1],
    'M.RecallAtPrecision(0.4, num_thresholds=1)':
        [0.6, 0.40425533, 0.34545454, 0.3015873, 0, 0.25925925],
    'M.RecallAtPrecision(0.7, num_thresholds=3)': [0.6, 0.40425533, 0, 0, 0, 1],
    'M.RecallAtPrecision(0.5, num_thresholds=2)': [1, 1, 0.92727274, 0.8730159, 0, 1],
    'M.RecallAtPrecision(0.5, class_id=0)': [1, 1, 1, 1, 0, 1],
    'M.RecallAtPrecision(0.5, class_id=2)': [1, 1, 0.9, 0.75, 0, 1],
    'M.RecallAtPrecision(0.5)#neg': [0, 0, 0.6666667],
    'M.RecallAtPrecision(0.0)#neg': [0, 0, 0.6666667],
    'M.SensitivityAtSpecificity(0.0)': [1, 1, 0.92727274, 0.8730159, 0, 1],
    'M.SensitivityAtSpecificity(0.5)': [0.6, 0.40425533, 0.34545454, 0.17460318, 0, 0.25925925],
    'M.SensitivityAtSpecificity(0.8)': [0.4, 0.40425533, 0.2, 0.17460318, 0, 0.25925925],
    'M.SensitivityAtSpecificity(1.0)': [0.4, 0.23404256, 0.09090909, 0.07936508, 0, 0.25925925],
    'M.SensitivityAtSpecificity(specificity=0.6, num_thresholds=5)':
        [0.6, 0.40425533, 0.34545454, 0, 0, 0.25925925],
    'M.SensitivityAtSpecificity(0.4, num_thresholds=1)':
        [0.6, 0.40425533, 0.34545454, 0.3015873, 0, 0.25925925],
    'M.SensitivityAtSpecificity(0.7, num_thresholds=3)': [0, 0.40425533, 0, 0, 0, 0.25925925],
    'M.SensitivityAtSpecificity(0.5, num_thresholds=2)': [0, 0, 0, 0, 0, 0],
    'M.SensitivityAtSpecificity(0.5, class_id=0)': [1, 1, 1, 1, 0, 1],
    'M.SensitivityAtSpecificity(0.5, class_id=2)': [0.6666667, 0.5555556, 0.5, 0.41666666, 0, 0.5],
    'M.SensitivityAtSpecificity(0.5)#neg': [0, 0, 0],
    'M.SensitivityAtSpecificity(0.0)#neg': [0, 0, 0.6666667],
    'M.SpecificityAtSensitivity(0.0)': [1, 1, 1, 1, 0, 1],
    'M.SpecificityAtSensitivity(0.5)': [0.6666667, 0.36363637, 0.3529412, 0.26086956, 0, 0.4],
    'M.SpecificityAtSensitivity(0.8)': [0.33333334, 0.36363637, 0.3529412, 0.26086956, 0, 0.4],
    'M.SpecificityAtSensitivity(1.0)': [0.33333334, 0.36363637, 0, 0, 0, 0.4],
    'M.SpecificityAtSensitivity(sensitivity=0.6, num_thresholds=5)':
        [0.6666667, 0.36363637, 0.3529412, 0.26086956, 0, 0.4],
    'M.SpecificityAtSensitivity(0.4, num_thresholds=1)': [0.6666667, 0.8181818, 0, 0, 0, 0],
    'M.SpecificityAtSensitivity(0.7, num_thresholds=3)': [0, 0, 0, 0, 0, 0],
    'M.SpecificityAtSensitivity(0.5, num_thresholds=2)': [0, 0, 0, 0, 0, 0],
    'M.SpecificityAtSensitivity(0.5, class_id=0)': [1, 1, 1, 1, 0, 1],
    'M.SpecificityAtSensitivity(0.5, class_id=2)': [1, 1, 1, 0.125, 0, 1],
    'M.SpecificityAtSensitivity(0.5)#neg': [0, 0, 0],
    'M.SpecificityAtSensitivity(0.0)#neg': [0, 1, 0],
    'M.F1Score(average=None)': [
        [0.79999995, 0.49999994, 0.49999997],
        [0.8888889, 0.37499997, 0.49999997],
        [0.9090909, 0.4545454, 0.46153846],
        [0.92307687, 0.4615384, 0.39999998],
        [0, 0, 0],
        [1, 0.24999997, 0.49999997],
    ],
    'M.F1Score(average=None, threshold=0.5)': [
        [1, 0, 0.79999995],
        [1, 0, 0.7142857],
        [0.8888889, 0.23529407, 0.6666666],
        [0.79999995, 0.31578946, 0.58823526],
        [0, 0, 0],
        [1, 0, 0.6666666],
    ],
    'M.FBetaScore(average=None, beta=2.0)': [
        [0.90909094, 0.5, 0.3846154],
        [0.952381, 0.48387095, 0.3846154],
        [0.9615385, 0.5813954, 0.3488372],
        [0.9677419, 0.59999996, 0.29411766],
        [0, 0, 0],
        [1, 0.45454544, 0.3846154],
    ],
    'M.FBetaScore(average=None, beta=0.5, threshold=0.45)': [
        [0.7142857, 0.49999988, 0.90909076],
        [0.8333332, 0.3061224, 0.86206883],
        [0.79999995, 0.42372876, 0.8333332],
        [0.7692307, 0.46874994, 0.78124994],
        [0, 0, 0],
        [0.99999994, 0.1724138, 0.8333332],
    ],
    'M.F1Score(average=None)#empty': [[0, 0, 0], [0, 0.9999998, 0]],
    "M.F1Score(average='micro')": [0.6153846, 0.58620685, 0.59999996, 0.5853658, 0, 0.5625],
    "M.F1Score(average='micro', threshold=0.5)":
        [0.6666666, 0.6315789, 0.6153845, 0.5753424, 0, 0.60606056],
    "M.FBetaScore(average='micro', beta=2.0)":
        [0.5882353, 0.56291395, 0.58011055, 0.5607476, 0, 0.54216874],
    "M.FBetaScore(average='micro', beta=0.5, threshold=0.45)":
        [0.7142856, 0.67741925, 0.6804732, 0.66666657, 0, 0.6470587],
    "M.F1Score(average='micro')#empty": [0, 0.9999998],
    "M.F1Score(average='macro')": [0.59999996, 0.5879629, 0.6083916, 0.59487176, 0, 0.5833333],
    "M.F1Score(average='macro', threshold=0.5)":
        [0.59999996, 0.57142854, 0.5969499, 0.56800824, 0, 0.5555555],
    "M.FBetaScore(average='macro', beta=2.0)":
        [0.5979021, 0.6069558, 0.6305904, 0.62061983, 0, 0.6130536],
    "M.FBetaScore(average='macro', beta=0.5, threshold=0.45)":
        [0.7077921, 0.6671748, 0.6856873, 0.67307687, 0, 0.66858226],
    "M.F1Score(average='macro')#empty": [0, 0.33333328],
    "M.F1Score(average='weighted')": [0.5857142, 0.5801971, 0.58117557, 0.5538461, 0, 0.60294116],
    "M.F1Score(average='weighted', threshold=0.5)":
        [0.6285714, 0.67281103, 0.6451156, 0.59645367, 0, 0.7058823],
    "M.FBetaScore(average='weighted', beta=2.0)":
        [0.5674326, 0.54714453, 0.5584296, 0.53344834, 0, 0.53352535],
    "M.FBetaScore(average='weighted', beta=0.5, threshold=0.45)":
        [0.736549, 0.76498437, 0.7468314, 0.72115386, 0, 0.8336713],
    "M.F1Score(average='weighted')#empty": [0, 0.9999997],
    'M.R2Score(class_aggregation=None, num_regressors=0)': [
        [0.75609756, 0.7297298],
        [0.74127465, 0.6839584],
        [0.7262335, 0.6482292],
        [0.6960148, 0.59922266],
        [NAN, NAN],
        [0.7222222, 0.6284828],
    ],
    'M.R2Score(class_aggregation=None, num_regressors=1)': [
        [0.7256098, 0.695946],
        [0.72690105, 0.66640055],
        [0.7137896, 0.6322396],
        [0.6843231, 0.5838082],
        [NAN, NAN],
        [0.6875, 0.5820432],
    ],
    'M.R2Score(class_aggregation=None, num_regressors=3)': [
        [0.63414633, 0.5945946],
        [0.6927637, 0.6247006],
        [0.6851685, 0.5954636],
        [0.6580167, 0.54912555],
        [NAN, NAN],
        [0.5833334, 0.44272423],
    ],
    'M.R2Score(class_aggregation=None, num_regressors=20)': [
        [0.75609756, 0.7297298],
        [0.74127465, 0.6839584],
        [-1.0988767, -1.6969097],
        [-0.1725142, -0.5458554],
        [NAN, NAN],
        [0.7222222, 0.6284828],
    ],
    'M.R2Score(class_aggregation=None)#w2': [[0.7222222, 0.3793102], [0.7335025, 0.681128]],
    'M.R2Score(class_aggregation=None)#const': [[0, 0.5]],
    'M.R2Score(class_aggregation=None)#1d': [[0.7321429]],
    "M.R2Score(class_aggregation='uniform_average', num_regressors=0)":
        [0.74291366, 0.71261656, 0.6872313, 0.6476188, NAN, 0.6753525],
    "M.R2Score(class_aggregation='uniform_average', num_regressors=1)":
        [0.7107779, 0.69665086, 0.6730145, 0.6340656, NAN, 0.6347716],
    "M.R2Score(class_aggregation='uniform_average', num_regressors=3)":
        [0.61437047, 0.6587322, 0.640316, 0.60357106, NAN, 0.51302874],
    "M.R2Score(class_aggregation='uniform_average', num_regressors=20)":
        [0.74291366, 0.71261656, -1.3978932, -0.35918486, NAN, 0.6753525],
    "M.R2Score(class_aggregation='uniform_average')#w2": [0.5507662, 0.70731527],
    "M.R2Score(class_aggregation='uniform_average')#const": [0.25],
    "M.R2Score(class_aggregation='uniform_average')#1d": [0.7321429],
    "M.R2Score(class_aggregation='variance_weighted_average', num_regressors=0)":
        [0.7478992, 0.7228079, 0.6926503, 0.64591485, NAN, 0.6910401],
    "M.R2Score(class_aggregation='variance_weighted_average', num_regressors=1)":
        [0.71638656, 0.7074083, 0.6786799, 0.6322962, NAN, 0.6524201],
    "M.R2Score(class_aggregation='variance_weighted_average', num_regressors=3)":
        [0.6218487, 0.67083436, 0.64654785, 0.6016542, NAN, 0.5365602],
    "M.R2Score(class_aggregation='variance_weighted_average', num_regressors=20)":
        [0.7478992, 0.7228079, -1.3563476, -0.365757, NAN, 0.6910401],
    "M.R2Score(class_aggregation='variance_weighted_average')#w2": [0.65614617, 0.7125163],
    "M.R2Score(class_aggregation='variance_weighted_average')#const": [0.5],
    "M.R2Score(class_aggregation='variance_weighted_average')#1d": [0.7321429],
    'M.IoU(3, [0])': [0.24999997, 0.24999997, 0.3333333, 0.39999995, 0, 0.24999997],
    'M.IoU(3, [1, 2])': [0.375, 0.4431818, 0.4055944, 0.39522058, 0, 0.48214287],
    'M.IoU(3, [0, 1, 2], ignore_class=2)': [0.33333334, 0.39259258, 0.4, 0.38492063, 0, 0.6666666],
    'M.IoU(3, [-1])': [0.24999997, 0.24999997, 0.27272725, 0.35294116, 0, 0.24999997],
    'M.MeanIoU(3)': [0.33333334, 0.37878788, 0.3815074, 0.39681372, 0, 0.4047619],
    'M.MeanIoU(3, ignore_class=0)': [0.2777778, 0.3073593, 0.2794872, 0.27083334, 0, 0.32142857],
    "M.MeanIoU(3, dtype='float32')": [0.33333334, 0.37878788, 0.3815074, 0.39681372, 0, 0.4047619],
    'M.MeanIoU(4)': [0.33333334, 0.37878788, 0.3815074, 0.39681372, 0, 0.4047619],
    "M.IoU(3, [2], dtype='int32')": [0.24999997, 0.24999997, 0.27272725, 0.35294116, 0, 0.24999997],
    'M.MeanIoU(3)#odd': [0, 0.99999994, 0.6825397],
    "M.MeanIoU(3, dtype='float32')#odd": [0, 0.9999998, 0.6693122],
    'M.MeanIoU(3, ignore_class=-1)#odd': [0, 0.99999994, 0.6825397],
    'M.BinaryIoU()': [0.4107143, 0.40522876, 0.3452381, 0.30526316, 0, 0.4],
    'M.BinaryIoU()#2d': [0.125],
    'M.BinaryIoU(target_class_ids=[0])':
        [0.24999997, 0.2222222, 0.21428569, 0.21052629, 0, 0.19999997],
    'M.BinaryIoU(target_class_ids=[0])#2d': [0],
    'M.BinaryIoU(target_class_ids=[1], threshold=0.65)':
        [0.49999994, 0.4666666, 0.36842102, 0.30434778, 0, 0.4444444],
    'M.BinaryIoU(target_class_ids=[1], threshold=0.65)#2d': [0.3333333],
    'M.BinaryIoU(threshold=0.0)': [0.3125, 0.36842105, 0.33333334, 0.3275862, 0, 0.4090909],
    'M.BinaryIoU(threshold=0.0)#2d': [0.25],
    "M.BinaryIoU(dtype='float32')": [0.4107143, 0.40522876, 0.3452381, 0.30526316, 0, 0.4],
    "M.BinaryIoU(dtype='float32')#2d": [0.125],
    'M.OneHotIoU(3, [0, 2])': [0.33333334, 0.375, 0.35, 0.30769232, 0, 0.4],
    'M.OneHotIoU(3, [1])': [0.49999994, 0.59999996, 0.6666666, 0.7142857, 0, 0.6666666],
    'M.OneHotMeanIoU(3)': [0.38888893, 0.45000002, 0.45555556, 0.44322348, 0, 0.4888889],
    'M.OneHotMeanIoU(3, ignore_class=1)': [0.33333334, 0.375, 0.35, 0.30769232, 0, 0.4],
    'M.OneHotMeanIoU(3, axis=0)': [0.9999999, 0.5555556, 0, 0.9999999],
    'M.OneHotIoU(3, [0, 2], sparse_y_pred=True)': [0.4],
    'M.OneHotMeanIoU(3, sparse_y_pred=True)': [0.38888893],
    'M.IoU(3, [0, 1], sparse_y_true=False)': [0.5833334],
    'M.MeanIoU(3, sparse_y_pred=False)': [0.44444445],
}


CASE_STEPS = dict(CASES)
assert len(CASE_STEPS) == len(CASES) == len(EXPECTED)


def _results(metric, steps):
    """Run the steps; result() (as float64 numpy) at each ('r',)."""
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # R2Score's adjusted-score fallback warns, as Keras
        for st in steps:
            if st[0] == "u":
                metric.update_state(st[1], st[2], sample_weight=st[3])
            elif st[0] == "r":
                r = metric.result()
                assert isinstance(r, tf.Tensor) and r.dtype == tf.float32
                got.append(np.asarray(r.numpy(), np.float64))
            else:
                metric.reset_state()
    return got


@pytest.mark.parametrize("key", list(EXPECTED))
def test_matches_tf(key):
    metric = eval(key.split("#")[0], {"M": M})
    got = _results(metric, CASE_STEPS[key])
    want = EXPECTED[key]
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w, np.float64)
        assert g.shape == w.shape, (i, g, w)
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=0, err_msg=f"result {i}")


# -- odd values and warnings ---------------------------------------------------------------------
def test_r2_constant_target_column():
    # TF 2.21: SS_tot = 0 with SS_res > 0 gives -inf, shown as 0; with SS_res = 0 it is NaN.
    assert float(M.R2Score()([[1.0], [1.0]], [[1.0], [2.0]])) == 0.0
    assert np.isnan(float(M.R2Score()([[1.0], [1.0]], [[1.0], [1.0]])))


@pytest.mark.parametrize("regressors, message", [
    (2, "Division by zero in Adjusted R2 score"),
    (5, "More independent predictors than datapoints")])
def test_r2_adjusted_falls_back_with_a_warning(regressors, message):
    m = M.R2Score(num_regressors=regressors)
    m.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]])
    with pytest.warns(UserWarning, match=message):
        r = float(m.result())
    assert r == pytest.approx(0.7321429, rel=1e-6)  # TF 2.21: the plain R2
    m = M.R2Score(num_regressors=1)
    m.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]])
    assert float(m.result()) == pytest.approx(0.46428585, rel=1e-6)  # TF 2.21


def test_iou_int_state_truncates_float_weights():
    # TF 2.21: the int64 confusion matrix truncates the weights 0.5 -> 0, 1.5 -> 1, and warns
    # when the weights are a float array.
    m = M.IoU(3, [0, 1])
    m.update_state([0, 1, 2, 1], [0, 1, 1, 1], sample_weight=[0.5, 0.5, 1, 1])
    assert float(m.result()) == pytest.approx(0.49999994, rel=1e-6)
    m = M.IoU(3, [0, 1])
    with pytest.warns(UserWarning, match="passing weight as `float`"):
        m.update_state([0, 1, 2, 1], [0, 1, 1, 1], sample_weight=np.array([0.5, 1.5, 1, 1]))
    assert float(m.result()) == pytest.approx(0.6666666, rel=1e-6)
    np.testing.assert_array_equal(m.total_cm.numpy(), [[0, 0, 0], [0, 2, 0], [0, 1, 0]])
    m = M.IoU(3, [0, 1], dtype="float32")
    m.update_state([0, 1, 2, 1], [0, 1, 1, 1], sample_weight=[0.5, 0.5, 1, 1])
    assert float(m.result()) == pytest.approx(0.7999999, rel=1e-6)


def test_fbeta_sample_weight_forms():
    t, p = [[1, 0, 1], [0, 1, 1]], [[0.6, 0.2, 0.9], [0.3, 0.7, 0.1]]
    np.testing.assert_allclose(M.F1Score()(t, p, sample_weight=[2.0, 0.5]).numpy(),
                               [0.0, 0.9999997, 0.8888889], rtol=1e-6)  # TF 2.21
    np.testing.assert_allclose(M.F1Score()(t, p, sample_weight=[2.0]).numpy(),
                               [0.0, 1.0, 0.6666666], rtol=1e-6)  # TF 2.21 (broadcast)
    np.testing.assert_allclose(M.F1Score()(t, [[1, 0, 1], [0, 0, 0]]).numpy(),
                               [0.9999998, 0.0, 0.66666657], rtol=1e-6)  # TF 2.21


def test_counts_and_iou_weight_forms():
    t, p = [[1, 0, 1], [0, 1, 1]], [[0.6, 0.2, 0.9], [0.3, 0.7, 0.1]]
    assert float(M.TruePositives()([0, 1, 1, 0], [0.2, 0.5, 0.9, 0.8], sample_weight=3.0)) == 3.0
    assert float(M.TruePositives()(t, p, sample_weight=[1.0, 2.0])) == 4.0
    assert float(M.TruePositives()(t, p, sample_weight=[[1.0], [2.0]])) == 4.0
    # TF 2.21's values:
    assert float(M.IoU(3, [0, 1])([0, 1, 2, 1], [0, 1, 2, 2], sample_weight=2)) == \
        pytest.approx(0.75, rel=1e-6)
    assert float(M.IoU(3, [0, 1])([[0, 1], [2, 1]], [[0, 1], [2, 2]],
                                  sample_weight=[[1, 2], [3, 4]])) == pytest.approx(0.6666666, rel=1e-6)
    assert float(M.IoU(3, [0, 1])([[0], [1], [2], [1]], [0, 1, 2, 2])) == \
        pytest.approx(0.74999994, rel=1e-6)
    assert float(M.IoU(2, [0, 1])(np.array([True, False, True]), [1, 0, 0])) == \
        pytest.approx(0.5, rel=1e-6)
    assert float(M.BinaryIoU()([0, 1, 0.9, 1], [0.5, 0.49, 0.7, 0.9])) == \
        pytest.approx(0.125, rel=1e-6)


# -- state, before the first update ----------------------------------------------------------------
def test_state_variables_as_keras():
    def state(m):
        return [(v.name.split(":")[0], tuple(v.shape), v.dtype.name) for v in m.variables]
    assert state(M.FalsePositives()) == [("accumulator", (1,), "float32")]
    assert state(M.TrueNegatives([0.1, 0.2, 0.9])) == [("accumulator", (3,), "float32")]
    assert state(M.PrecisionAtRecall(0.5)) == [
        (n, (200,), "float32") for n in ("true_positives", "false_positives", "true_negatives",
                                         "false_negatives")]
    assert M.SpecificityAtSensitivity(0.5, num_thresholds=1).thresholds == [0.5]
    assert M.SpecificityAtSensitivity(0.5, num_thresholds=3).thresholds == [0.0, 0.5, 1.0]
    f1 = M.F1Score()
    assert state(f1) == []
    f1.update_state([[1, 0, 1]], [[0.6, 0.2, 0.9]])
    assert state(f1) == [(n, (3,), "float32") for n in ("true_positives", "false_positives",
                                                        "false_negatives", "intermediate_weights")]
    micro = M.FBetaScore(average="micro", beta=2.0)
    micro.update_state([[1, 0, 1]], [[0.6, 0.2, 0.9]])
    assert [s[1] for s in state(micro)] == [()] * 4
    r2 = M.R2Score()
    assert state(r2) == [("num_samples", (), "float32")]
    r2.update_state([[1.0, 2.0]], [[1.0, 2.0]])
    assert state(r2) == [("num_samples", (), "float32")] + [
        (n, (2,), "float32") for n in ("squared_sum", "sum", "residual", "count")]
    assert state(M.MeanIoU(4)) == [("total_confusion_matrix", (4, 4), "int64")]
    assert state(M.BinaryIoU(dtype="float32")) == [("total_confusion_matrix", (2, 2), "float32")]


def test_before_the_first_update():
    # TF 2.21: FBetaScore / R2Score have no state yet (AttributeError); the others give 0.
    for m in (M.F1Score(), M.FBetaScore(beta=2.0), M.R2Score()):
        m.reset_state()
        with pytest.raises(AttributeError, match="first update_state"):
            m.result()
    assert float(M.TruePositives().result()) == 0.0
    assert float(M.PrecisionAtRecall(0.5).result()) == 0.0
    assert float(M.MeanIoU(3).result()) == 0.0
    np.testing.assert_array_equal(M.FalseNegatives([0.2, 0.8]).result().numpy(), [0, 0])


def test_failed_update_changes_nothing():
    m = M.F1Score(average="macro")
    m.update_state([[1, 0, 1]], [[0.6, 0.2, 0.9]])
    before = float(m.result())
    with pytest.raises(InvalidArgumentError, match="f1_score.*shape"):
        m.update_state([[1, 0, 1, 0]], [[0.6, 0.2, 0.9, 0.1]])
    assert float(m.result()) == before
    m = M.R2Score()
    m.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]])
    with pytest.raises(InvalidArgumentError, match="r2_score.*sample_weight of shape \\(2,\\)"):
        m.update_state([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]], sample_weight=[1, 2])
    assert float(m.result()) == pytest.approx(0.7321429, rel=1e-6)


# -- bad arguments and shapes (TF 2.21 raises the same exception types) ---------------------------
@pytest.mark.parametrize("make, match", [
    (lambda: M.FBetaScore(beta=2), "`beta`.*Python float"),
    (lambda: M.FBetaScore(beta=0.0), "`beta`.*> 0"),
    (lambda: M.F1Score(threshold=0.0), "0 < threshold <= 1"),
    (lambda: M.F1Score(threshold=1), "`threshold`.*Python float"),
    (lambda: M.F1Score(average="samples"), "f1_score: Invalid `average`"),
    (lambda: M.R2Score(class_aggregation="raw_values"), "r2_score.*class_aggregation"),
    (lambda: M.R2Score(num_regressors=-1), "r2_score.*num_regressors"),
    (lambda: M.TruePositives(thresholds=1.5), "true_positives: Threshold values must be in"),
    (lambda: M.FalseNegatives(thresholds=[0.5, -0.1]), "Threshold values must be in"),
    (lambda: M.PrecisionAtRecall(1.5), "PrecisionAtRecall: Argument `recall` must be in"),
    (lambda: M.RecallAtPrecision(-0.1), "Argument `precision` must be in"),
    (lambda: M.SensitivityAtSpecificity(-0.1), "Argument `specificity` must be in"),
    (lambda: M.SpecificityAtSensitivity(2), "Argument `sensitivity` must be in"),
    (lambda: M.PrecisionAtRecall(0.5, num_thresholds=0), "`num_thresholds` must be an integer"),
    (lambda: M.IoU(2, [2]), "io_u: Target class id 2 is out of range"),
    (lambda: M.BinaryIoU(target_class_ids=[2]), "Target class id 2 is out of range"),
    (lambda: M.MeanIoU(3, dtype="int8"), "mean_io_u: dtype must be"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


T2, P2 = [[1, 0, 1], [0, 1, 1]], [[0.6, 0.2, 0.9], [0.3, 0.7, 0.1]]


@pytest.mark.parametrize("call, error, match", [
    (lambda: M.F1Score()([1, 0, 1], [0.6, 0.2, 0.9]), ValueError,
     r"FBetaScore expects 2D inputs .* y_pred.shape=\(3,\)"),
    (lambda: M.R2Score()([1.0, 2, 3], [1.0, 2.5, 3]), ValueError,
     r"R2Score expects 2D inputs .* y_true.shape=\(3,\)"),
    (lambda: M.R2Score()(np.ones((2, 2, 2)), np.ones((2, 2, 2))), ValueError,
     r"R2Score expects 2D inputs .*\(2, 2, 2\)"),
    (lambda: M.F1Score()([[1, 0, 1]], [[0.6, 0.2]]), InvalidArgumentError,
     r"f1_score: y_true of shape \(1, 3\), y_pred of shape \(1, 2\)"),
    (lambda: M.F1Score()(T2, P2, sample_weight=[[1.0], [2.0]]), ValueError,
     r"f1_score: sample_weight .* shape \(2, 1\)"),
    (lambda: M.F1Score()(T2, P2, sample_weight=2.0), ValueError, r"f1_score: sample_weight"),
    (lambda: M.F1Score()(T2, P2, sample_weight=[1.0, 2.0, 3.0]), InvalidArgumentError,
     r"f1_score: .*sample_weight of shape \(3,\)"),
    (lambda: M.R2Score()([[1.0], [2.0], [4.0]], [[1.0], [2.5], [3.0]], sample_weight=[1, 2]),
     InvalidArgumentError, r"r2_score: sample_weight of shape \(2,\)"),
    (lambda: M.TruePositives()([0, 1, 1, 0], [0.2, 0.5, 0.9]), InvalidArgumentError,
     r"true_positives: y_true of shape \(4,\) and y_pred of shape \(3,\)"),
    (lambda: M.FalsePositives()([0, 1, 1, 0], [0.2, 0.5, 0.9, 0.1], sample_weight=[1, 2]),
     InvalidArgumentError, r"false_positives: sample_weight of shape \(2,\)"),
    (lambda: M.PrecisionAtRecall(0.5, class_id=1)([0, 1, 1, 0], [0.2, 0.6, 0.9, 0.8]),
     ValueError, r"precision_at_recall: When class_id is provided.*\(4,\)"),
    (lambda: M.MeanIoU(3)([0, 1, 2], [0, 1, 2, 0]), InvalidArgumentError,
     r"mean_io_u: y_true of shape \(3,\) and y_pred of shape \(4,\)"),
    (lambda: M.IoU(3, [0, 1])([[0, 1], [2, 1]], [[0, 1], [2, 2]], sample_weight=[[1], [3]]),
     InvalidArgumentError, r"io_u: sample_weight of shape \(2, 1\)"),
    (lambda: M.OneHotMeanIoU(3, axis=1)([[1, 0, 0], [0, 1, 0]], [[0.5, 0.3, 0.2], [0.1, 0.8, 0.1]]),
     InvalidArgumentError, r"one_hot_mean_io_u: result\(\) sums .* axis=1"),
])
def test_bad_shapes(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_only_float32_for_the_float_metrics():
    # Keras also takes dtype='float64' here; tapegrad's metrics keep float32 state.
    with pytest.raises(ValueError, match="F1Score: only dtype float32"):
        M.F1Score(dtype="float64")


# -- lookup, config ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, cls", [
    ("f1_score", "F1Score"), ("F1Score", "F1Score"), ("f_beta_score", "FBetaScore"),
    ("r2_score", "R2Score"), ("R2Score", "R2Score"), ("true_positives", "TruePositives"),
    ("false_positives", "FalsePositives"), ("true_negatives", "TrueNegatives"),
    ("false_negatives", "FalseNegatives"), ("binary_io_u", "BinaryIoU"),
    ("BinaryIoU", "BinaryIoU")])
def test_get_by_name(name, cls):
    m = M.get(name)
    assert type(m) is getattr(M, cls)


@pytest.mark.parametrize("name, missing", [
    ("fbeta_score", None), ("io_u", "num_classes"), ("mean_io_u", "num_classes"),
    ("one_hot_io_u", "num_classes"), ("one_hot_mean_io_u", "num_classes"),
    ("precision_at_recall", "recall"), ("recall_at_precision", "precision"),
    ("sensitivity_at_specificity", "specificity"), ("specificity_at_sensitivity", "sensitivity")])
def test_get_by_name_like_keras_fails(name, missing):
    # TF 2.21: 'fbeta_score' is unknown (ValueError); a class with required arguments is
    # found but cannot be made without them (TypeError).
    if missing is None:
        with pytest.raises(ValueError, match="fbeta_score"):
            M.get(name)
    else:
        with pytest.raises(TypeError, match=missing):
            M.get(name)


TF_CONFIGS = [  # TF 2.21's get_config() of the same constructions
    ("M.F1Score(average='macro', threshold=0.4)",
     {"name": "f1_score", "dtype": "float32", "average": "macro", "threshold": 0.4}),
    ("M.FBetaScore(beta=2.0)",
     {"name": "fbeta_score", "dtype": "float32", "average": None, "beta": 2.0, "threshold": None}),
    ("M.R2Score(None, 2)",
     {"name": "r2_score", "dtype": "float32", "class_aggregation": None, "num_regressors": 2}),
    ("M.TruePositives([0.2, 0.4])",
     {"name": "true_positives", "dtype": "float32", "thresholds": [0.2, 0.4]}),
    ("M.FalseNegatives(0.3)", {"name": "false_negatives", "dtype": "float32", "thresholds": 0.3}),
    ("M.FalsePositives()", {"name": "false_positives", "dtype": "float32", "thresholds": None}),
    ("M.TrueNegatives(name='tn')", {"name": "tn", "dtype": "float32", "thresholds": None}),
    ("M.PrecisionAtRecall(0.5, 11, 1)",
     {"name": "precision_at_recall", "dtype": "float32", "class_id": 1, "num_thresholds": 11,
      "recall": 0.5}),
    ("M.RecallAtPrecision(0.3)",
     {"name": "recall_at_precision", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "precision": 0.3}),
    ("M.SensitivityAtSpecificity(0.4)",
     {"name": "sensitivity_at_specificity", "dtype": "float32", "class_id": None,
      "num_thresholds": 200, "specificity": 0.4}),
    ("M.SpecificityAtSensitivity(0.2, num_thresholds=1)",
     {"name": "specificity_at_sensitivity", "dtype": "float32", "class_id": None,
      "num_thresholds": 1, "sensitivity": 0.2}),
    ("M.IoU(3, [0, 2], ignore_class=1)",
     {"name": "io_u", "dtype": "int64", "num_classes": 3, "target_class_ids": [0, 2],
      "ignore_class": 1, "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
    ("M.MeanIoU(4, dtype='float32')",
     {"num_classes": 4, "name": "mean_io_u", "dtype": "float32", "ignore_class": None,
      "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
    ("M.BinaryIoU([1], 0.3)",
     {"target_class_ids": [1], "threshold": 0.3, "name": "binary_io_u", "dtype": "int64"}),
    ("M.OneHotIoU(3, [1], sparse_y_pred=True)",
     {"num_classes": 3, "target_class_ids": [1], "name": "one_hot_io_u", "dtype": "int64",
      "ignore_class": None, "sparse_y_pred": True, "axis": -1}),
    ("M.OneHotMeanIoU(3)",
     {"num_classes": 3, "name": "one_hot_mean_io_u", "dtype": "int64", "ignore_class": None,
      "sparse_y_pred": False, "axis": -1}),
]


@pytest.mark.parametrize("make, config", TF_CONFIGS)
def test_config_as_tf_and_round_trip(make, config):
    m = eval(make, {"M": M})
    cfg = m.get_config()
    assert cfg == config and list(cfg) == list(config)  # TF's keys, in TF's order
    again = type(m).from_config(cfg)
    assert type(again) is type(m) and again.get_config() == config
    restored = M.deserialize(json.loads(json.dumps(M.serialize(m))))
    assert type(restored) is type(m) and restored.get_config() == config
    # a dict serialized by Keras itself
    keras_dict = {"module": "keras.metrics", "class_name": type(m).__name__, "config": config,
                  "registered_name": None}
    assert M.get(keras_dict).get_config() == config


def test_round_trip_keeps_behaviour():
    m = M.FBetaScore(average="weighted", beta=0.5, threshold=0.45)
    again = M.FBetaScore.from_config(m.get_config())
    for metric in (m, again):
        metric.update_state(C_T, C_P, sample_weight=C_W)
    assert float(again.result()) == float(m.result())


# -- compile + fit -----------------------------------------------------------------------------------
FIT_X = [[0.5, -1.0], [1.5, 0.25], [-0.75, 0.5], [0.0, 1.0], [1.0, -0.5], [-1.25, -0.25],
         [0.25, 0.75], [-0.5, -1.5]]
FIT_Y = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]
FIT_SW = [1.0, 2.0, 0.5, 1.0, 1.5, 1.0, 0.0, 2.0]
FIT_HISTORY = {  # TF 2.21's History.history of the same model, data and compile
    "f1_score": [0.24999999, 0.41666663],
    "fbeta_score": [0.703125, 0.7058824],
    "fn_w": [6, 4.5],
    "loss": [1.023812, 0.8205189],
    "one_hot_io_u": [0.3, 0.4666667],
    "one_hot_mean_io_u": [0.2, 0.31111112],
    "precision_at_recall": [0.46666667, 0.5555556],
    "r2_score": [0.1482838, 0.24558048],
    "recall_at_precision": [0, 1],
    "sas_w": [0.9444444, 1],
    "true_positives": [2, 3],
}


def test_compile_fit_matches_tf():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.set_weights([np.array([[0.3, -0.2, 0.1], [-0.4, 0.25, 0.5]], np.float32),
                       np.array([0.05, 0.0, -0.05], np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="categorical_crossentropy",
                  metrics=[M.F1Score(average="macro"),
                           M.FBetaScore(average="weighted", beta=2.0, threshold=0.35),
                           "true_positives", "r2_score", M.PrecisionAtRecall(0.5, num_thresholds=11),
                           M.RecallAtPrecision(0.3, class_id=1), M.OneHotMeanIoU(3),
                           M.OneHotIoU(3, [0, 2])],
                  weighted_metrics=[M.FalseNegatives(name="fn_w"),
                                    M.SpecificityAtSensitivity(0.5, name="sas_w")])
    assert [type(m).__name__ for m in model.metrics][2:4] == ["TruePositives", "R2Score"]
    history = model.fit(np.array(FIT_X, np.float32), np.array(FIT_Y, np.float32),
                        sample_weight=np.array(FIT_SW, np.float32), batch_size=3, epochs=2,
                        shuffle=False, verbose=0)
    assert sorted(history.history) == sorted(FIT_HISTORY)
    for key, want in FIT_HISTORY.items():
        np.testing.assert_allclose(history.history[key], want, rtol=1e-6, atol=0, err_msg=key)


def test_compile_by_name():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="mse",
                  metrics=["f1_score", "r2_score", "true_positives", "false_negatives",
                           "binary_io_u"])
    assert [(type(m).__name__, m.name) for m in model.metrics] == [
        ("F1Score", "f1_score"), ("R2Score", "r2_score"), ("TruePositives", "true_positives"),
        ("FalseNegatives", "false_negatives"), ("BinaryIoU", "binary_io_u")]
    with pytest.raises(TypeError, match="num_classes"):  # as TF 2.21
        model.compile(optimizer="sgd", loss="mse", metrics=["mean_io_u"])


def test_vector_results_are_arrays_in_history_and_evaluate():
    # TF 2.21 / Keras 3.15: History and evaluate(return_dict=True) hold the arrays
    K = tf.keras
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    m = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="softmax")])
    m.set_weights([rng.normal(size=(4, 3)).astype("float32"), np.zeros(3, "float32")])
    m.compile("sgd", "categorical_crossentropy",
              metrics=[K.metrics.F1Score(), K.metrics.Precision(thresholds=[0.3, 0.5])])
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    np.testing.assert_allclose(h.history["loss"], [1.784, 1.7784], atol=1e-4)
    for f1 in h.history["f1_score"]:
        np.testing.assert_allclose(f1, [0.1667, 0.4, 0.2963], atol=1e-4)
    np.testing.assert_allclose(h.history["precision"][1], [0.3095, 0.3333], atol=1e-4)
    r = m.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_allclose(r["loss"], 1.7737818956375122, rtol=1e-6)
    np.testing.assert_allclose(r["f1_score"], [0.16666663, 0.39999995, 0.29629627], rtol=1e-6)
    np.testing.assert_allclose(r["precision"], [0.30952382, 0.33333334], rtol=1e-6)
