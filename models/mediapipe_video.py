"""What every MediaPipe Tasks runner in VIDEO mode shares: one per stream, timestamps strictly
increasing (equal ones are nudged forward by 1 ms), a C-contiguous image, and a close()."""

from __future__ import annotations

from functools import cache

import mediapipe as mp
import numpy as np

from models.registry import model_path


@cache
def model_bytes(name: str) -> bytes:
    """A verified .task file read once per process; each stream builds its runner from these bytes."""
    return model_path(name).read_bytes()


class VideoTask:
    def __init__(self, task):
        self._task = task
        self._last_ms = -1

    def _detect(self, image: np.ndarray, t: float):
        """Run the task on an RGB uint8 image at session time t (seconds)."""
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        # A strided array makes the task silently find nothing: copy to contiguous memory first.
        return self._task.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(image)), ms)

    def close(self) -> None:
        self._task.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
