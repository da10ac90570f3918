"""MediaPipe HandLandmarker (Tasks API, VIDEO mode): 21 points per hand, for the hand-over-face
challenge and for telling occlusion apart from a face-swap failure."""

from __future__ import annotations

from functools import cache

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from models.registry import model_path


@cache
def _model_bytes() -> bytes:
    return model_path("hand_landmarker").read_bytes()


class MediaPipeHandLandmarker:
    """One stream's hand landmarker; returns each hand as a (21, 2) array of pixel coordinates."""

    def __init__(self, max_hands: int = 2, min_confidence: float = 0.5):
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=_model_bytes()),
            running_mode=vision.RunningMode.VIDEO,
            num_hands=max_hands,
            min_hand_detection_confidence=min_confidence,
            min_hand_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        self._landmarker = vision.HandLandmarker.create_from_options(options)
        self._last_ms = -1

    def detect(self, image: np.ndarray, t: float) -> list[np.ndarray]:
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        result = self._landmarker.detect_for_video(
            mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)), ms)
        height, width = image.shape[:2]
        return [np.array([(p.x * width, p.y * height) for p in hand], dtype=np.float32) for hand in result.hand_landmarks]

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> MediaPipeHandLandmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
