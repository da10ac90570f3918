"""MediaPipe selfie segmenter (Tasks API, IMAGE mode): how likely each pixel belongs to a person,
so that what is behind the candidate can be described without them."""

from __future__ import annotations

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from models.mediapipe_video import aligned, model_bytes
from models.native_stderr import quiet_native_start


class SelfieSegmenter:
    """`person(image)` -> (H, W) float32 person probability of an RGB uint8 image."""

    def __init__(self):
        options = vision.ImageSegmenterOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes("selfie_segmenter")),
            running_mode=vision.RunningMode.IMAGE, output_confidence_masks=True, output_category_mask=False)
        with quiet_native_start():
            self._segmenter = vision.ImageSegmenter.create_from_options(options)

    def person(self, image: np.ndarray) -> np.ndarray:
        result = self._segmenter.segment(mp.Image(image_format=mp.ImageFormat.SRGB, data=aligned(image)))
        return np.array(result.confidence_masks[0].numpy_view(), dtype=np.float32).reshape(image.shape[:2])

    def close(self) -> None:
        self._segmenter.close()

    def __enter__(self) -> SelfieSegmenter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
