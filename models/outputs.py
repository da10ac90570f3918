"""What the models return: plain frozen dataclasses (a face, its identity embedding, a span of time,
a transcript). The analysis core builds its records on these; they live here so that `models/`
depends on nothing in `interview/`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class Waveform(Protocol):
    """Mono samples as float32 in -1..1: a numpy array, or anything that gives them by slicing (audio
    held as int16, speech pieces joined without a copy); `size` is the number of samples."""

    size: int

    def __getitem__(self, span: slice) -> np.ndarray: ...


@dataclass(frozen=True, order=True)
class Segment:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def overlap(self, other: Segment) -> float:
        return max(0.0, min(self.end, other.end) - max(self.start, other.start))

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.end

    def to_dict(self) -> dict[str, float]:
        return {"start": round(self.start, 3), "end": round(self.end, 3)}


@dataclass(frozen=True)
class HeadPose:
    """Head rotation in degrees from MediaPipe's facial transformation matrix (0, 0, 0 = facing the camera).

    Signs, checked on tv_real.mp4 (a man turning his head): yaw > 0 when the nose points to the
    image's right (in an unmirrored recording, the person turned to their own left); pitch > 0
    when looking up, < 0 looking down. MediaPipe understates large turns (a 3/4 profile reads ~45).
    """

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class Face:
    """A face from the landmarker, in pixels of the analysed frame.

    `landmarks` is (478, 3): x and y in pixels, z in the landmarker's relative depth units.
    `blendshapes` holds MediaPipe's 52 coefficients in 0..1 (e.g. eyeBlinkLeft, jawOpen).
    """

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: np.ndarray
    blendshapes: dict[str, float]
    pose: HeadPose
    transform: np.ndarray  # 4x4 facial transformation matrix (canonical face -> camera)


@dataclass(frozen=True)
class FaceIdentity:
    """A detector face with its identity embedding, sampled on a lower cadence than `Face`."""

    box: tuple[float, float, float, float]
    points: np.ndarray  # (5, 2): right eye, left eye, nose tip, right and left mouth corners
    score: float
    embedding: np.ndarray  # L2-normalised


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True)
class TranscriptSegment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()

    def to_dict(self) -> dict:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}
