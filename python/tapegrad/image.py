"""tapegrad.image: tf.image's window extraction (the rest of tf.image is not implemented)."""

from ._conv import extract_patches

__all__ = ["extract_patches"]
