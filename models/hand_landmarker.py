"""MediaPipe HandLandmarker (Tasks API, VIDEO mode): 21 points per hand, for the hand-over-face
challenge and for telling occlusion apart from a face-swap failure."""

from __future__ import annotations

import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from models.mediapipe_video import VideoTask, model_bytes


class MediaPipeHandLandmarker(VideoTask):
    """One stream's hand landmarker; returns each hand as a (21, 2) array of pixel coordinates."""

    def __init__(self, max_hands: int = 2, min_confidence: float = 0.5):
        options = vision.HandLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model_bytes("hand_landmarker")),
            running_mode=vision.RunningMode.VIDEO,
            num_hands=max_hands,
            min_hand_detection_confidence=min_confidence,
            min_hand_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
        )
        super().__init__(lambda: vision.HandLandmarker.create_from_options(options))

    def detect(self, image: np.ndarray, t: float) -> list[np.ndarray]:
        result = self._detect(image, t)
        height, width = image.shape[:2]
        return [np.array([(p.x * width, p.y * height) for p in hand], dtype=np.float32) for hand in result.hand_landmarks]
