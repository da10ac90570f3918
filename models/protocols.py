"""The small interfaces perception depends on, so a backend can be swapped (or faked in tests of
code around it) without touching the checks."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from models.outputs import Face, FaceIdentity


class FaceLandmarker(Protocol):
    def detect(self, image: np.ndarray, t: float) -> list[Face]: ...

    def close(self) -> None: ...


class FaceEmbedder(Protocol):
    def identify(self, bgr: np.ndarray) -> list[FaceIdentity]: ...


class HandLandmarker(Protocol):
    def detect(self, image: np.ndarray, t: float) -> list[np.ndarray]: ...

    def close(self) -> None: ...
