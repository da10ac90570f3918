"""What every MediaPipe Tasks runner in VIDEO mode shares: one per stream, timestamps strictly
increasing (equal ones are nudged forward by 1 ms), a C-contiguous image, a close(), and no native
start-up chatter on stderr (building the runner, its first frame and closing it run under quiet_native_start)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from functools import cache

import mediapipe as mp
import numpy as np

from models.native_stderr import quiet_native_start
from models.registry import model_path


@cache
def model_bytes(name: str) -> bytes:
    """A verified .task file read once per process; each stream builds its runner from these bytes."""
    return model_path(name).read_bytes()


ALIGNMENT = 64  # bytes: LiteRT copies an input not on this boundary, and logs a warning for it


def aligned(image: np.ndarray) -> np.ndarray:
    """The image in C-contiguous memory starting on an ALIGNMENT boundary. A strided array makes the
    task silently find nothing; a misaligned one costs a copy inside LiteRT and a native warning on
    stderr at a random frame (numpy aligns to 16 bytes)."""
    image = np.ascontiguousarray(image)
    if image.ctypes.data % ALIGNMENT == 0:
        return image
    buffer = np.empty(image.nbytes + ALIGNMENT, np.uint8)
    start = -buffer.ctypes.data % ALIGNMENT
    out = buffer[start:start + image.nbytes].view(image.dtype).reshape(image.shape)
    out[...] = image
    return out


class VideoTask:
    def __init__(self, create: Callable):
        with quiet_native_start():
            self._task = create()
        self._last_ms = -1
        self._frames = 0

    def _detect(self, image: np.ndarray, t: float):
        """Run the task on an RGB uint8 image at session time t (seconds)."""
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=aligned(image))
        first_frame = self._frames == 0
        self._frames += 1
        with quiet_native_start() if first_frame else nullcontext():
            return self._run(image, ms)

    def _run(self, image: mp.Image, ms: int):
        """The task's own result for one frame (a subclass may read the native result faster)."""
        return self._task.detect_for_video(image, ms)

    def close(self) -> None:
        with quiet_native_start():
            self._task.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
