"""Small JPEG copies of the picture at a steady cadence, so findings decided at the end of a session
can show the moment they are about. About 20 KB each at 480 px, held in memory only; only the
frames a finding points to are ever written. At most MAX_KEPT are kept: past that (30 minutes at
one per second) every other one is dropped and the cadence halves, so a three-hour session holds
the same ~35 MB as a 30-minute one, a frame every 4-8 s instead of every second."""

from __future__ import annotations

import bisect

import cv2
import numpy as np

EVERY_S = 1.0
SIDE = 480
MAX_KEPT = 1800


class Snapshots:
    def __init__(self, every_s: float = EVERY_S, side: int = SIDE, max_kept: int = MAX_KEPT):
        self.every_s, self.side, self.max_kept = every_s, side, max_kept
        self._times: list[float] = []
        self._items: list[tuple[bytes, float, tuple[float, float, float, float] | None]] = []

    def offer(self, t: float, image: np.ndarray, box: tuple[float, float, float, float] | None) -> None:
        """Keep this frame if the last kept one is at least every_s old."""
        if self._times and t - self._times[-1] < self.every_s:
            return
        scale = min(1.0, self.side / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
        if ok:
            self._times.append(t)
            self._items.append((jpeg.tobytes(), scale, box))
        if len(self._times) > self.max_kept:
            self._times, self._items, self.every_s = self._times[::2], self._items[::2], 2 * self.every_s

    def nearest(self, t: float) -> tuple[np.ndarray, tuple[float, float, float, float] | None] | None:
        """(RGB image, face box in its pixels) of the kept frame nearest to t."""
        if not self._times:
            return None
        i = bisect.bisect_left(self._times, t)
        i = min((j for j in (i - 1, i) if 0 <= j < len(self._times)), key=lambda j: abs(self._times[j] - t))
        jpeg, scale, box = self._items[i]
        image = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        return image, None if box is None else tuple(v * scale for v in box)
