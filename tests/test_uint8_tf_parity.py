"""uint8 parity with TF 2.21 across the public API (session 25 sweep).

The EXPECTED values were observed under TensorFlow 2.21 (tensorflow-cpu) and hard-coded here
by /work/notes/helper_s25_uint8_gen.py (the cases below are that script's, run on TF).
Sizes include 0, 1, 17 and 1000+ elements so that memory errors show under AddressSanitizer.
Results of more than 64 elements are compared by dtype, shape, sum and their first and last 8.
"""
import numpy as np
import pytest

import tapegrad as tf

def u8(shape, a=7, b=13):
    """Deterministic uint8 data of `shape` (a quadratic in the flat position, mod 256)."""
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    return ((i * i * a + i * b + 5) % 256).astype(np.uint8).reshape(shape)


IMG = u8((2, 5, 7, 3))
SMALL = u8((1, 4, 6, 1), 3, 1)
BIG = u8((1, 37, 29, 2), 5, 3)
V17 = u8((17,), 11, 2)
V1031 = u8((1031,), 13, 7)
E0 = np.zeros((0,), np.uint8)
I64 = np.array([2**62, -2**62, 5, 2**53 + 1, -7, 0], np.int64).reshape(1, 2, 3, 1)


def _var_scatter(m):
    x = m.Variable(np.array([1, 2, 250, 7], np.uint8))
    out = []
    x.scatter_update(m.IndexedSlices(m.constant(np.array([9, 8], np.uint8)), m.constant(np.array([0, 3], np.int32))))
    out.append(x.read_value())
    x.scatter_add(m.IndexedSlices(m.constant(np.array([250, 8], np.uint8)), m.constant(np.array([0, 2], np.int32))))
    out.append(x.read_value())
    x.scatter_sub(m.IndexedSlices(m.constant(np.array([10, 8], np.uint8)), m.constant(np.array([0, 2], np.int32))))
    out.append(x.read_value())
    x.scatter_max(m.IndexedSlices(m.constant(np.array([100, 100], np.uint8)), m.constant(np.array([1, 2], np.int32))))
    out.append(x.read_value())
    x.scatter_nd_add([[0]], m.constant(np.array([200], np.uint8)))
    out.append(x.read_value())
    x.assign_sub(m.constant(np.array([255, 0, 1, 8], np.uint8)))
    out.append(x.read_value())
    return out


def _ds_batches(m):
    ds = m.data.Dataset.from_tensor_slices(V1031).map(lambda x: m.cast(x, m.float32) / 255.0).batch(100)
    return list(ds)[-1]


def _ds_list_of_arrays(m):
    ds = m.data.Dataset.from_tensor_slices(([V17[:5], V17[5:10]], [1, 2])).batch(2)
    return list(next(iter(ds)))


CASES = {
    # pooling / patches of integer images (tapegrad refused them before this session)
    "max_pool2d_same": lambda m: m.nn.max_pool2d(m.constant(SMALL), 2, 2, "SAME"),
    "max_pool2d_valid_k3": lambda m: m.nn.max_pool2d(m.constant(SMALL), 3, 1, "VALID"),
    "max_pool2d_img_same": lambda m: m.nn.max_pool2d(m.constant(IMG), [1, 3, 2, 1], [1, 2, 3, 1], "SAME"),
    "max_pool2d_big": lambda m: m.nn.max_pool2d(m.constant(BIG), 3, 2, "SAME"),
    "max_pool2d_empty_batch": lambda m: m.nn.max_pool2d(m.constant(np.zeros((0, 4, 4, 1), np.uint8)), 2, 2, "SAME"),
    "max_pool2d_1x1": lambda m: m.nn.max_pool2d(m.constant(np.full((1, 1, 1, 1), 200, np.uint8)), 3, 1, "SAME"),
    "max_pool2d_int64": lambda m: m.nn.max_pool2d(m.constant(I64), 2, 1, "SAME"),
    "max_pool2d_int32": lambda m: m.nn.max_pool2d(m.constant(np.array([[-5, -9], [-3, -2**31]], np.int32).reshape(1, 2, 2, 1)), 2, 1, "SAME"),
    "max_pool1d": lambda m: m.nn.max_pool1d(m.constant(V17.reshape(1, 17, 1)), 3, 2, "SAME"),
    "max_pool_rank3": lambda m: m.nn.max_pool(m.constant(IMG[:, 0]), 2, 1, "VALID"),
    "max_pool_rank4": lambda m: m.nn.max_pool(m.constant(IMG), 3, 2, "SAME"),
    "max_pool_with_argmax": lambda m: list(m.nn.max_pool_with_argmax(m.constant(IMG), 2, 2, "SAME")),
    "extract_patches_valid": lambda m: m.image.extract_patches(m.constant(SMALL), [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], "VALID"),
    "extract_patches_same": lambda m: m.image.extract_patches(m.constant(SMALL), [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"),
    "extract_patches_rates": lambda m: m.image.extract_patches(m.constant(IMG), [1, 2, 2, 1], [1, 1, 2, 1], [1, 2, 1, 1], "SAME"),
    "extract_patches_big": lambda m: m.image.extract_patches(m.constant(BIG), [1, 4, 3, 1], [1, 3, 2, 1], [1, 1, 1, 1], "SAME"),
    "extract_patches_int64": lambda m: m.image.extract_patches(m.constant(I64), [1, 1, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
    # true division of uint8 is float32 (TF's _TRUEDIV_TABLE), int32 / int64 float64
    "divide_no_nan": lambda m: m.math.divide_no_nan(m.constant(np.array([0, 7, 255, 9], np.uint8)), m.constant(np.array([0, 0, 2, 4], np.uint8))),
    "linspace": lambda m: m.linspace(m.constant(np.uint8(10)), m.constant(np.uint8(200)), 5),
    "linspace_wraps": lambda m: m.linspace(m.constant(np.uint8(10)), m.constant(np.uint8(0)), 5),
    "linspace_nd": lambda m: m.linspace(m.constant(np.array([0, 250], np.uint8)), m.constant(np.array([8, 3], np.uint8)), 5, axis=-1),
    "linspace_int32": lambda m: m.linspace(3, 9, 4),
    "unsorted_segment_mean": lambda m: m.math.unsorted_segment_mean(m.constant(u8((6, 4))), np.array([2, 0, 2, 1, -1, 2], np.int32), 4),
    "unsorted_segment_mean_wraps": lambda m: m.math.unsorted_segment_mean(m.constant(np.full(300, 200, np.uint8)), np.r_[np.zeros(256, np.int32), np.ones(44, np.int32)], 3),
    "sparse_truediv_scalar": lambda m: (m.sparse.from_dense(m.constant(np.array([[0, 7], [255, 3]], np.uint8))) / np.uint8(2)).values,
    "sparse_truediv_dense": lambda m: (m.sparse.from_dense(m.constant(np.array([[0, 7], [255, 3]], np.uint8))) / m.constant(np.array([[1, 2], [4, 5]], np.uint8))).values,
    # tf.data keeps the dtype of a list of uint8 arrays
    "data_list_of_arrays": lambda m: list(m.data.Dataset.from_tensor_slices([V17[:5], V17[5:10], V17[10:15]]))[1],
    "data_from_tensors_list": lambda m: next(iter(m.data.Dataset.from_tensors([V17[:5], V17[5:10]]))),
    "data_tuple_list": _ds_list_of_arrays,
    "data_float64_arrays": lambda m: next(iter(m.data.Dataset.from_tensor_slices([np.array([1.5, 2.0]), np.array([3.0, 4.25])]))),
    "data_map_batch": _ds_batches,
    "data_empty": lambda m: list(m.data.Dataset.from_tensor_slices(E0).batch(4)),
    # already right before this session: keep them right
    "resize_nearest": lambda m: m.image.resize(m.constant(IMG[0]), (3, 11), method="nearest"),
    "resize_bilinear": lambda m: m.image.resize(m.constant(IMG[0]), (4, 4)),
    "resize_area_big": lambda m: m.image.resize(m.constant(BIG[0]), (9, 8), method="area"),
    "flip_lr": lambda m: m.image.flip_left_right(m.constant(IMG[0])),
    "rot90": lambda m: m.image.rot90(m.constant(IMG), k=3),
    "central_crop": lambda m: m.image.central_crop(m.constant(IMG), 0.5),
    "resize_with_crop_or_pad": lambda m: m.image.resize_with_crop_or_pad(m.constant(IMG[0]), 3, 10),
    "pad_to_bounding_box": lambda m: m.image.pad_to_bounding_box(m.constant(IMG[0]), 1, 2, 8, 10),
    "rgb_to_grayscale": lambda m: m.image.rgb_to_grayscale(m.constant(IMG)),
    "grayscale_to_rgb": lambda m: m.image.grayscale_to_rgb(m.constant(IMG[..., :1])),
    "adjust_brightness": lambda m: m.image.adjust_brightness(m.constant(IMG[0]), 0.2),
    "adjust_contrast": lambda m: m.image.adjust_contrast(m.constant(BIG[0]), 1.7),
    "per_image_standardization": lambda m: m.image.per_image_standardization(m.constant(IMG)),
    "convert_image_dtype": lambda m: m.image.convert_image_dtype(m.constant(IMG[0]), m.float32),
    "pad_constant_255": lambda m: m.pad(m.constant(u8((4, 6))), [[1, 2], [0, 3]], constant_values=255),
    "pad_reflect": lambda m: m.pad(m.constant(u8((4, 6))), [[1, 2], [2, 3]], mode="REFLECT"),
    "roll_big": lambda m: m.roll(m.constant(V1031), 517, 0),
    "reverse_big": lambda m: m.reverse(m.constant(V1031), [0]),
    "boolean_mask_big": lambda m: m.boolean_mask(m.constant(V1031), V1031 > 100),
    "where_one_arg": lambda m: m.where(m.constant(V17)),
    "where_one_arg_empty": lambda m: m.where(m.constant(E0)),
    "tensor_scatter_nd_add": lambda m: m.tensor_scatter_nd_add(m.constant(V17), [[1], [3], [1]], m.constant(np.array([200, 100, 100], np.uint8))),
    "tensor_scatter_update_list": lambda m: m.tensor_scatter_nd_update(m.constant(V17), [[0], [16]], [7, 300]),
    "tensor_scatter_add_list": lambda m: m.tensor_scatter_nd_add(m.constant(V17), [[0]], [250]),
    "tensor_scatter_sub_list": lambda m: m.tensor_scatter_nd_sub(m.constant(V17[:4]), [[1]], [[9]][0]),
    "tensor_scatter_max_list_float": lambda m: m.tensor_scatter_nd_max(m.constant(np.array([1.5, 2.0], np.float32)), [[0]], [7]),
    "gather_nd": lambda m: m.gather_nd(m.constant(u8((4, 6))), [[0, 1], [3, 5]]),
    "strided_slice": lambda m: m.constant(u8((4, 6)))[1:, ::-2],
    "tile_17": lambda m: m.tile(m.constant(V17), [3]),
    "repeat": lambda m: m.repeat(m.constant(V17), list(range(17))),
    "unique_with_counts": lambda m: list(m.unique_with_counts(m.constant(V1031))),
    "sort_big": lambda m: m.sort(m.constant(V1031), direction="DESCENDING"),
    "argsort_stable": lambda m: m.argsort(m.constant(V1031), stable=True),
    "top_k": lambda m: list(m.math.top_k(m.constant(V1031), 20)),
    "cumsum_wraps": lambda m: m.math.cumsum(m.constant(V1031)),
    "cumprod": lambda m: m.math.cumprod(m.constant(V17), exclusive=True),
    "segment_sum_wraps": lambda m: m.math.segment_sum(m.constant(u8((6, 4))), np.array([0, 0, 1, 1, 1, 3], np.int32)),
    "segment_mean": lambda m: m.math.segment_mean(m.constant(u8((6, 4))), np.array([0, 0, 1, 1, 1, 3], np.int32)),
    "unsorted_segment_max": lambda m: m.math.unsorted_segment_max(m.constant(u8((6, 4))), np.array([2, 0, 2, 1, -1, 2], np.int32), 4),
    "unsorted_segment_min": lambda m: m.math.unsorted_segment_min(m.constant(u8((6, 4))), np.array([2, 0, 2, 1, -1, 2], np.int32), 4),
    "reduce_sum_wraps": lambda m: m.reduce_sum(m.constant(np.full(1000, 255, np.uint8))),
    "reduce_mean_1000": lambda m: m.reduce_mean(m.constant(np.full(1000, 255, np.uint8))),
    "reduce_prod_axis": lambda m: m.reduce_prod(m.constant(u8((4, 6))), axis=0),
    "reduce_max_empty": lambda m: m.reduce_max(m.constant(E0)),
    "reduce_min_empty": lambda m: m.reduce_min(m.constant(E0)),
    "count_nonzero": lambda m: m.math.count_nonzero(m.constant(V1031)),
    "clip_by_value": lambda m: m.clip_by_value(m.constant(V17), 10, 200),
    "one_hot_dtype_uint8": lambda m: m.one_hot(m.constant([1, 3, -1], m.int32), 4, dtype=m.uint8),
    "cast_to_uint8": lambda m: m.cast(m.constant(np.array([-1.5, -0.5, 0, 0.7, 1.5, 254.9, 256, 300.2, -300], np.float32)), m.uint8),
    "cast_int64_to_uint8": lambda m: m.cast(m.constant(np.array([-1, 0, 255, 256, 2**40 + 3], np.int64)), m.uint8),
    "cast_uint8_to_bool": lambda m: m.cast(m.constant(np.array([0, 1, 128, 255], np.uint8)), m.bool),
    "variable_scatter": _var_scatter,
    "concat_awkward": lambda m: m.concat([m.constant(E0), m.constant(V1031), m.constant(np.array([200], np.uint8))], 0),
    "stack_tensors": lambda m: m.stack([m.constant(V17), m.constant(V17[::-1].copy())], axis=1),
    "split": lambda m: m.split(m.constant(V1031), [1000, 31]),
    "ragged_to_tensor": lambda m: m.RaggedTensor.from_row_lengths(m.constant(V17), [10, 0, 7]).to_tensor(default_value=np.uint8(255)),
    "ragged_reduce_sum": lambda m: m.reduce_sum(m.RaggedTensor.from_row_lengths(m.constant(V17), [10, 0, 7]), axis=1),
    "sparse_to_dense": lambda m: m.sparse.to_dense(m.SparseTensor([[0, 1], [2, 3]], m.constant(np.array([200, 7], np.uint8)), [3, 4]), default_value=np.uint8(9)),
    "sparse_reduce_max": lambda m: m.sparse.reduce_max(m.sparse.from_dense(m.constant(u8((4, 6)))), axis=1),
}


# Observed under TF 2.21: name -> (dtype, shape, values) or (dtype, shape, "big", sum, first8, last8)
EXPECTED = {'adjust_brightness': ('uint8', (5, 7, 3), 'big', 18044.0, [56, 76, 110, 158, 220, 255, 130, 234],
                       [108, 206, 62, 188, 72, 226, 138, 64]),
 'adjust_contrast': ('uint8', (37, 29, 2), 'big', 274537.0, [0, 0, 0, 10, 75, 157, 255, 0],
                     [30, 255, 88, 0, 214, 85, 0, 255]),
 'argsort_stable': ('int32', (1031,), 'big', 530965.0, [169, 244, 425, 500, 681, 756, 937, 1012],
                    [179, 234, 435, 490, 691, 746, 947, 1002]),
 'boolean_mask_big': ('uint8', (627,), 'big', 111565.0, [143, 241, 109, 179, 125, 119, 169, 245],
                      [211, 227, 175, 185, 101, 143, 241, 109]),
 'cast_int64_to_uint8': ('uint8', (5,), [255, 0, 255, 0, 3]),
 'cast_to_uint8': ('uint8', (9,), [255, 0, 0, 0, 1, 254, 0, 44, 212]),
 'cast_uint8_to_bool': ('bool', (4,), [False, True, True, True]),
 'central_crop': ('uint8', (2, 3, 5, 3), 'big', 11986.0, [253, 97, 211, 83, 225, 125, 39, 223],
                  [107, 59, 25, 5, 255, 7, 29, 65]),
 'clip_by_value': ('uint8', (17,),
                   [10, 18, 53, 110, 189, 34, 157, 46, 200, 146, 101, 78, 77, 98, 141, 200, 37]),
 'concat_awkward': ('uint8', (1032,), 'big', 131869.0, [5, 25, 71, 143, 241, 109, 3, 179],
                    [5, 25, 71, 143, 241, 109, 3, 200]),
 'convert_image_dtype': ('float32', (5, 7, 3), 'big', 51.53333638049662,
                         [0.019607843831181526, 0.09803922474384308, 0.23137256503105164, 0.41960787773132324,
                          0.6627451181411743, 0.960784375667572, 0.30980393290519714, 0.7176470756530762],
                         [0.22352942824363708, 0.6078431606292725, 0.04313725605607033, 0.5372549295425415,
                          0.08235294371843338, 0.686274528503418, 0.34117648005485535, 0.05098039656877518]),
 'count_nonzero': ('int64', (), [1031]),
 'cumprod': ('uint8', (17,), [1, 5, 90, 162, 156, 44, 216, 120, 144, 208, 160, 32, 192, 192, 128, 128, 0]),
 'cumsum_wraps': ('uint8', (1031,), 'big', 127752.0, [5, 30, 101, 244, 229, 82, 85, 8],
                  [0, 5, 30, 101, 244, 229, 82, 85]),
 'data_empty': [],
 'data_float64_arrays': ('float64', (2,), [1.5, 2.0]),
 'data_from_tensors_list': ('uint8', (2, 5), [5, 18, 53, 110, 189, 34, 157, 46, 213, 146]),
 'data_list_of_arrays': ('uint8', (5,), [34, 157, 46, 213, 146]),
 'data_map_batch': ('float32', (31,),
                    [0.615686297416687, 0.2549019753932953, 1.0, 0.843137264251709, 0.7882353067398071,
                     0.8352941274642944, 0.9843137264251709, 0.23137255012989044, 0.5843137502670288,
                     0.03529411926865578, 0.5921568870544434, 0.24705882370471954, 0.003921568859368563,
                     0.8666666746139526, 0.8274509906768799, 0.8901960849761963, 0.05098039284348488,
                     0.3176470696926117, 0.686274528503418, 0.15294118225574493, 0.7254902124404907,
                     0.3960784375667572, 0.16862745583057404, 0.04313725605607033, 0.019607843831181526,
                     0.09803921729326248, 0.27843138575553894, 0.5607843399047852, 0.9450980424880981,
                     0.4274509847164154, 0.0117647061124444]),
 'data_tuple_list': [('uint8', (2, 5), [5, 18, 53, 110, 189, 34, 157, 46, 213, 146]),
                     ('int32', (2,), [1, 2])],
 'divide_no_nan': ('float32', (4,), [0.0, 0.0, 127.5, 2.25]),
 'extract_patches_big': ('uint8', (1, 13, 15, 24), 'big', 536998.0, [0, 0, 0, 0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0, 0, 0, 0]),
 'extract_patches_int64': ('int64', (1, 2, 3, 2),
                           [4611686018427387904, -4611686018427387904, -4611686018427387904, 5, 5, 0,
                            9007199254740993, -7, -7, 0, 0, 0]),
 'extract_patches_rates': ('uint8', (2, 5, 4, 12), 'big', 43480.0, [0, 0, 0, 0, 0, 0, 37, 95],
                           [0, 0, 0, 0, 0, 0, 0, 0]),
 'extract_patches_same': ('uint8', (1, 2, 3, 9),
                          [5, 9, 19, 119, 159, 205, 193, 13, 95, 19, 35, 57, 205, 1, 59, 95, 183, 21, 57, 85,
                           0, 59, 123, 0, 21, 121, 0, 193, 13, 95, 227, 83, 201, 0, 0, 0, 95, 183, 21, 201,
                           69, 199, 0, 0, 0, 21, 121, 0, 199, 79, 0, 0, 0, 0]),
 'extract_patches_valid': ('uint8', (1, 2, 4, 6),
                           [5, 9, 19, 119, 159, 205, 9, 19, 35, 159, 205, 1, 19, 35, 57, 205, 1, 59, 35, 57,
                            85, 1, 59, 123, 193, 13, 95, 227, 83, 201, 13, 95, 183, 83, 201, 69, 95, 183, 21,
                            201, 69, 199, 183, 21, 121, 69, 199, 79]),
 'flip_lr': ('uint8', (5, 7, 3), 'big', 13141.0, [203, 219, 249, 239, 213, 201, 145, 77],
             [19, 33, 103, 61, 33, 57, 229, 159]),
 'gather_nd': ('uint8', (2,), [25, 167]),
 'grayscale_to_rgb': ('uint8', (2, 5, 7, 3), 'big', 26832.0, [5, 5, 5, 107, 107, 107, 79, 79],
                      [241, 241, 81, 81, 81, 47, 47, 47]),
 'linspace': ('float32', (5,), [10.0, 57.5, 105.0, 152.5, 200.0]),
 'linspace_int32': ('float64', (4,), [3.0, 5.0, 7.0, 9.0]),
 'linspace_nd': ('float32', (2, 5), [0.0, 2.0, 4.0, 6.0, 8.0, 250.0, 252.25, 254.5, 256.75, 3.0]),
 'linspace_wraps': ('float32', (5,), [10.0, 71.5, 133.0, 194.5, 0.0]),
 'max_pool1d': ('uint8', (1, 9, 1), [18, 110, 189, 157, 213, 146, 98, 206, 206]),
 'max_pool2d_1x1': ('uint8', (1, 1, 1, 1), [200]),
 'max_pool2d_big': ('uint8', (1, 19, 15, 2), 'big', 129740.0, [103, 179, 211, 145, 223, 209, 249, 245],
                    [209, 223, 243, 223, 255, 211, 193, 237]),
 'max_pool2d_empty_batch': ('uint8', (0, 2, 2, 1), []),
 'max_pool2d_img_same': ('uint8', (2, 3, 3, 3),
                         [253, 169, 245, 177, 223, 227, 203, 219, 249, 253, 195, 233, 187, 223, 165, 151, 221,
                          155, 191, 229, 233, 229, 209, 159, 175, 87, 155, 209, 187, 235, 195, 191, 217, 243,
                          193, 157, 223, 187, 235, 195, 253, 255, 213, 239, 75, 197, 199, 251, 241, 247, 255,
                          115, 179, 9]),
 'max_pool2d_int32': ('int32', (1, 2, 2, 1), [-3, -9, -3, -2147483648]),
 'max_pool2d_int64': ('int64', (1, 2, 3, 1), [4611686018427387904, 5, 5, 9007199254740993, 0, 0]),
 'max_pool2d_same': ('uint8', (1, 2, 3, 1), [159, 205, 123, 227, 201, 199]),
 'max_pool2d_valid_k3': ('uint8', (1, 2, 4, 1), [205, 205, 205, 183, 227, 205, 205, 199]),
 'max_pool_rank3': ('uint8', (2, 6, 3),
                    [107, 169, 245, 107, 183, 245, 177, 183, 227, 177, 77, 227, 239, 213, 201, 239, 219, 249,
                     209, 163, 131, 143, 181, 233, 143, 181, 233, 69, 191, 217, 221, 191, 71, 243, 193,
                     157]),
 'max_pool_rank4': ('uint8', (2, 3, 4, 3), 'big', 15460.0, [253, 169, 245, 253, 225, 245, 239, 223],
                    [247, 251, 241, 247, 255, 115, 179, 215]),
 'max_pool_with_argmax': [('uint8', (2, 3, 4, 3), 'big', 13440.0, [253, 169, 245, 177, 225, 227, 239, 213],
                           [247, 237, 241, 141, 215, 47, 149, 9]),
                          ('int64', (2, 3, 4, 3), 'big', 4116.0, [24, 4, 5, 9, 28, 11, 15, 16],
                           [94, 95, 96, 100, 101, 102, 103, 104])],
 'one_hot_dtype_uint8': ('uint8', (3, 4), [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
 'pad_constant_255': ('uint8', (7, 9),
                      [255, 255, 255, 255, 255, 255, 255, 255, 255, 5, 25, 59, 107, 169, 245, 255, 255, 255,
                       79, 183, 45, 177, 67, 227, 255, 255, 255, 145, 77, 23, 239, 213, 201, 255, 255, 255,
                       203, 219, 249, 37, 95, 167, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
                       255, 255, 255, 255, 255, 255, 255, 255, 255]),
 'pad_reflect': ('uint8', (7, 11), 'big', 9679.0, [45, 183, 79, 183, 45, 177, 67, 227],
                 [183, 45, 177, 67, 227, 67, 177, 45]),
 'pad_to_bounding_box': ('uint8', (8, 10, 3), 'big', 13141.0, [0, 0, 0, 0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0, 0, 0, 0]),
 'per_image_standardization': ('float32', (2, 5, 7, 3), 'big', 4.931353032588959e-07,
                               [-1.685390591621399, -1.404848337173462, -0.9279266595840454,
                                -0.25462543964385986, 0.6150553226470947, 1.6811156272888184,
                                -0.6473844647407532, 0.8114348649978638],
                               [-1.754460334777832, -1.320941686630249, -0.6977586150169373,
                                0.11508890241384506, 1.1176007986068726, -1.158372163772583,
                                0.2234685719013214, -1.673175573348999]),
 'ragged_reduce_sum': ('uint8', (3,), [203, 0, 226]),
 'ragged_to_tensor': ('uint8', (3, 10),
                      [5, 18, 53, 110, 189, 34, 157, 46, 213, 146, 255, 255, 255, 255, 255, 255, 255, 255,
                       255, 255, 101, 78, 77, 98, 141, 206, 37, 255, 255, 255]),
 'reduce_max_empty': ('uint8', (), [0]),
 'reduce_mean_1000': ('uint8', (), [255]),
 'reduce_min_empty': ('uint8', (), [255]),
 'reduce_prod_axis': ('uint8', (6,), [73, 65, 65, 73, 137, 161]),
 'reduce_sum_wraps': ('uint8', (), [24]),
 'repeat': ('uint8', (136,), 'big', 15384.0, [18, 53, 53, 110, 110, 110, 189, 189],
            [37, 37, 37, 37, 37, 37, 37, 37]),
 'resize_area_big': ('float32', (9, 8, 2), 'big', 18461.121673583984,
                     [107.80894470214844, 128.8154754638672, 135.2311248779297, 129.18826293945312,
                      121.1118392944336, 171.49766540527344, 140.00839233398438, 115.57595825195312],
                     [103.19197082519531, 118.03633117675781, 154.64024353027344, 141.90585327148438,
                      118.32524871826172, 145.79588317871094, 146.821044921875, 132.4501190185547]),
 'resize_bilinear': ('float32', (4, 4, 3),
                     [52.59375, 81.09375, 135.59375, 89.53125, 175.53125, 75.53125, 144.21875, 79.71875,
                      53.21875, 204.65625, 209.65625, 208.65625, 121.28125, 113.28125, 155.28125, 95.59375,
                      161.09375, 164.59375, 119.65625, 118.65625, 111.65625, 133.46875, 185.96875, 56.46875,
                      150.96875, 90.46875, 179.96875, 154.65625, 107.65625, 158.65625, 148.09375, 174.59375,
                      75.09375, 131.28125, 131.28125, 89.28125, 85.65625, 152.65625, 125.65625, 42.71875,
                      43.21875, 57.71875, 201.53125, 79.53125, 139.53125, 114.09375, 101.59375, 27.09375]),
 'resize_nearest': ('uint8', (3, 11, 3), 'big', 11969.0, [5, 25, 59, 5, 25, 59, 107, 169],
                    [137, 21, 175, 87, 13, 175, 87, 13]),
 'resize_with_crop_or_pad': ('uint8', (3, 10, 3), 'big', 8263.0, [0, 0, 0, 37, 95, 167, 253, 97],
                             [11, 155, 0, 0, 0, 0, 0, 0]),
 'reverse_big': ('uint8', (1031,), 'big', 131669.0, [3, 109, 241, 143, 71, 25, 5, 11],
                 [179, 3, 109, 241, 143, 71, 25, 5]),
 'rgb_to_grayscale': ('uint8', (2, 5, 7, 1), 'big', 9032.0, [22, 159, 136, 118, 91, 219, 218, 86],
                      [139, 152, 140, 119, 176, 77, 131, 102]),
 'roll_big': ('uint8', (1031,), 'big', 131669.0, [71, 143, 241, 109, 3, 179, 125, 97],
              [175, 39, 185, 101, 43, 11, 5, 25]),
 'rot90': ('uint8', (2, 7, 5, 3), 'big', 27054.0, [57, 229, 159, 191, 69, 217, 99, 195],
           [239, 23, 85, 73, 75, 243, 193, 157]),
 'segment_mean': ('uint8', (4, 4), [87, 7, 69, 17, 49, 66, 12, 57, 0, 0, 0, 0, 249, 37, 95, 167]),
 'segment_sum_wraps': ('uint8', (4, 4), [174, 14, 138, 34, 147, 199, 37, 173, 0, 0, 0, 0, 249, 37, 95, 167]),
 'sort_big': ('uint8', (1031,), 'big', 131669.0, [255, 255, 255, 255, 255, 255, 255, 255],
              [1, 1, 1, 1, 1, 1, 1, 1]),
 'sparse_reduce_max': ('uint8', (4,), [245, 227, 239, 249]),
 'sparse_to_dense': ('uint8', (3, 4), [9, 200, 9, 9, 9, 9, 9, 9, 9, 9, 9, 7]),
 'sparse_truediv_dense': ('float32', (3,), [3.5, 63.75, 0.6000000238418579]),
 'sparse_truediv_scalar': ('float32', (3,), [3.5, 127.5, 1.5]),
 'split': [('uint8', (1000,), 'big', 127976.0, [5, 25, 71, 143, 241, 109, 3, 179],
            [37, 249, 231, 239, 17, 77, 163, 19]),
           ('uint8', (31,),
            [157, 65, 255, 215, 201, 213, 251, 59, 149, 9, 151, 63, 1, 221, 211, 227, 13, 81, 175, 39, 185,
             101, 43, 11, 5, 25, 71, 143, 241, 109, 3])],
 'stack_tensors': ('uint8', (17, 2),
                   [5, 37, 18, 206, 53, 141, 110, 98, 189, 77, 34, 78, 157, 101, 46, 146, 213, 213, 146, 46,
                    101, 157, 78, 34, 77, 189, 98, 110, 141, 53, 206, 18, 37, 5]),
 'strided_slice': ('uint8', (3, 3), [227, 177, 183, 201, 239, 77, 167, 37, 219]),
 'tensor_scatter_add_list': ('uint8', (17,),
                             [255, 18, 53, 110, 189, 34, 157, 46, 213, 146, 101, 78, 77, 98, 141, 206, 37]),
 'tensor_scatter_max_list_float': ('float32', (2,), [7.0, 2.0]),
 'tensor_scatter_nd_add': ('uint8', (17,),
                           [5, 62, 53, 210, 189, 34, 157, 46, 213, 146, 101, 78, 77, 98, 141, 206, 37]),
 'tensor_scatter_sub_list': ('uint8', (4,), [5, 9, 53, 110]),
 'tensor_scatter_update_list': ('uint8', (17,),
                                [7, 18, 53, 110, 189, 34, 157, 46, 213, 146, 101, 78, 77, 98, 141, 206, 44]),
 'tile_17': ('uint8', (51,),
             [5, 18, 53, 110, 189, 34, 157, 46, 213, 146, 101, 78, 77, 98, 141, 206, 37, 5, 18, 53, 110, 189,
              34, 157, 46, 213, 146, 101, 78, 77, 98, 141, 206, 37, 5, 18, 53, 110, 189, 34, 157, 46, 213,
              146, 101, 78, 77, 98, 141, 206, 37]),
 'top_k': [('uint8', (20,),
            [255, 255, 255, 255, 255, 255, 255, 255, 253, 253, 253, 253, 253, 253, 253, 253, 251, 251, 251,
             251]),
           ('int32', (20,),
            [179, 234, 435, 490, 691, 746, 947, 1002, 21, 136, 277, 392, 533, 648, 789, 904, 175, 238, 431,
             494])],
 'unique_with_counts': [('uint8', (128,), 'big', 16384.0, [5, 25, 71, 143, 241, 109, 3, 179],
                         [115, 189, 33, 159, 55, 233, 181, 155]),
                        ('int32', (1031,), 'big', 65045.0, [0, 1, 2, 3, 4, 5, 6, 7],
                         [79, 0, 1, 2, 3, 4, 5, 6]),
                        ('int32', (128,), 'big', 1031.0, [9, 9, 9, 9, 9, 9, 9, 8], [8, 8, 8, 8, 8, 8, 8, 8])],
 'unsorted_segment_max': ('uint8', (4, 4),
                          [169, 245, 79, 183, 145, 77, 23, 239, 249, 177, 95, 227, 0, 0, 0, 0]),
 'unsorted_segment_mean': ('float32', (4, 4),
                           [169.0, 245.0, 79.0, 183.0, 145.0, 77.0, 23.0, 239.0, 14.333333015441895,
                            79.66666412353516, 73.66666412353516, 81.66666412353516, 0.0, 0.0, 0.0, 0.0]),
 'unsorted_segment_mean_wraps': ('float32', (3,), [0.0, 2.1818182468414307, 0.0]),
 'unsorted_segment_min': ('uint8', (4, 4),
                          [169, 245, 79, 183, 145, 77, 23, 239, 5, 25, 59, 107, 255, 255, 255, 255]),
 'variable_scatter': [('uint8', (4,), [9, 2, 250, 8]), ('uint8', (4,), [3, 2, 2, 8]),
                      ('uint8', (4,), [249, 2, 250, 8]), ('uint8', (4,), [249, 100, 250, 8]),
                      ('uint8', (4,), [193, 100, 250, 8]), ('uint8', (4,), [194, 100, 249, 0])],
 'where_one_arg': ('int64', (17, 1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]),
 'where_one_arg_empty': ('int64', (0, 1), [])}


def _summary(v):
    if isinstance(v, (list, tuple)):
        return [_summary(x) for x in v]
    a = np.asarray(v.numpy())
    if a.size <= 64:
        return (v.dtype.name, tuple(a.shape), a.ravel().tolist())
    flat = a.ravel()
    return (v.dtype.name, tuple(a.shape), "big", float(flat.astype(np.float64).sum()),
            flat[:8].tolist(), flat[-8:].tolist())


def _same(got, want, where):
    if isinstance(want, list) and (not want or not isinstance(want[0], str)):
        assert isinstance(got, list) and len(got) == len(want), (where, got, want)
        for i, (g, w) in enumerate(zip(got, want)):
            _same(g, w, f"{where}[{i}]")
        return
    assert got[0] == want[0], (where, "dtype", got[0], want[0])
    assert got[1] == want[1], (where, "shape", got[1], want[1])
    assert len(got) == len(want), (where, got, want)
    floating = want[0].startswith("float")
    for g, w in zip(got[2:], want[2:]):
        if floating and not isinstance(w, str):
            np.testing.assert_allclose(np.asarray(g, np.float64), np.asarray(w, np.float64),
                                       rtol=1e-5, atol=1e-4, err_msg=where)
        else:
            assert g == w, (where, g, w)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_matches_tf(name):
    _same(_summary(CASES[name](tf)), EXPECTED[name], name)


def test_every_case_has_an_expectation():
    assert sorted(CASES) == sorted(EXPECTED)


# -- refusals TF makes too, and dtype properties -------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda: tf.nn.avg_pool2d(tf.constant(SMALL), 2, 2, "SAME"),      # AvgPool: float only
    lambda: tf.nn.avg_pool1d(tf.constant(IMG[:, 0]), 2, 1, "VALID"),
    lambda: tf.nn.max_pool3d(tf.constant(IMG.reshape(1, 2, 5, 7, 3)), 2, 1, "VALID"),  # MaxPool3D: float only
    lambda: tf.nn.max_pool(tf.constant(IMG.reshape(1, 2, 5, 7, 3)), 2, 1, "VALID"),
    lambda: tf.gather(tf.constant(V17), tf.constant(np.array([1, 2], np.uint8))),  # Tindices int32/int64
    lambda: tf.math.segment_sum(tf.constant(V17[:3]), tf.constant(np.array([0, 0, 1], np.uint8))),
    lambda: tf.math.reduce_any(tf.constant(V17)),
    lambda: tf.math.sqrt(tf.constant(V17)),
    lambda: tf.constant([1.5], dtype=tf.uint8),
])
def test_refused_as_tf(fn):
    with pytest.raises((TypeError, ValueError, tf.errors.InvalidArgumentError)):
        fn()


def test_float_pool_gradients_unchanged():
    # the integer path must not change float pooling: TF's gradient, first maximum of a window
    x = tf.constant(np.array([[1., 3.], [3., 2.]], np.float32).reshape(1, 2, 2, 1))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.nn.max_pool2d(x, 2, 2, "VALID"))
    assert t.gradient(y, x).numpy().ravel().tolist() == [0., 1., 0., 0.]
    assert tf.nn.max_pool2d(x, 2, 2, "VALID").dtype == tf.float32


def test_uint8_dtype_properties():
    # as TF 2.21's tf.uint8
    assert tf.uint8.is_integer and tf.uint8.is_unsigned
    assert not tf.uint8.is_floating and not tf.uint8.is_bool
    assert (tf.uint8.min, tf.uint8.max, tf.uint8.size) == (0, 255, 1)
    assert tf.as_dtype(np.uint8) == tf.uint8 and tf.as_dtype("uint8") == tf.uint8


def test_python_scalars_of_uint8():
    t = tf.constant(np.uint8(250))
    assert int(t) == 250 and float(t) == 250.0 and [0, 1, 2, 3][tf.constant(np.uint8(3))] == 3
    assert not bool(tf.constant(np.uint8(0)))
    assert "dtype=uint8" in repr(tf.constant(V17))


def test_one_hot_takes_uint8_indices_as_tf():
    # TF 2.21: OneHot accepts uint8 indices (gather / segment ops do not)
    got = tf.one_hot(tf.constant(np.array([1, 3, 255, 0], np.uint8)), 4)
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), [[0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    with pytest.raises(TypeError, match="gather: indices must be an int32 or int64 tensor"):
        tf.gather(tf.constant([1.0, 2.0]), tf.constant(np.array([1], np.uint8)))


def test_float_to_uint8_cast_out_of_int32_range_as_tf():
    # TF 2.21's CPU Cast goes through int32: beyond int32's range (and NaN) it gives 0; inside
    # it wraps modulo 256
    x = tf.constant([3e9, 1e10, np.inf, -np.inf, np.nan, 300.7, -1.0, 2147483000.0, -2147483000.0, 255.9])
    np.testing.assert_array_equal(tf.cast(x, tf.uint8).numpy(), [0, 0, 0, 0, 0, 44, 255, 128, 128, 255])
    x64 = tf.constant([2147483647.5, -2147483648.5, 2147483648.0], tf.float64)
    np.testing.assert_array_equal(tf.cast(x64, tf.uint8).numpy(), [255, 0, 0])
