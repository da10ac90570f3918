"""The records that flow from perception to the checks: one `FrameObservation` per analysed
frame and one `AudioAnalysis` per session. Checks read these and never call models themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from models.outputs import Face, FaceIdentity, Segment, TranscriptSegment, Waveform


@dataclass(frozen=True)
class Frame:
    """A decoded frame: RGB uint8 (H, W, 3), C-contiguous, at its real presentation time.

    `image` is scaled to the sampling policy's size; `source_image()` gives the frame at the
    recording's own resolution, converted only when a check asks (forensic signals on small faces).
    """

    t: float
    index: int
    image: np.ndarray
    source: Callable[[], np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.image.shape[:2]
        return width, height

    def source_image(self) -> np.ndarray:
        """RGB at source resolution (the analysed image itself when the source was not larger)."""
        return self.source() if self.source is not None else self.image


Box = tuple[float, float, float, float]  # x, y, width, height in pixels
FaceT = TypeVar("FaceT", Face, FaceIdentity)


def same_place(a: Box, b: Box) -> bool:
    """b's centre lies inside a: the same face found twice (overlapping tiles, or a large face a
    detector also boxed in part), not a second person."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax <= bx + bw / 2 <= ax + aw and ay <= by + bh / 2 <= ay + ah


def distinct_faces(faces: Sequence[FaceT]) -> list[FaceT]:
    """The faces largest first, a face found twice kept once (see same_place)."""
    distinct: list[FaceT] = []
    for face in sorted(faces, key=lambda f: f.box[2] * f.box[3], reverse=True):
        if not any(same_place(kept.box, face.box) for kept in distinct):
            distinct.append(face)
    return distinct


@dataclass(frozen=True)
class FrameObservation:
    t: float
    index: int
    width: int
    height: int
    faces: tuple[Face, ...]
    identities: tuple[FaceIdentity, ...] | None = None  # None on frames where no embedding was run
    hands: tuple[np.ndarray, ...] | None = None  # (21, 2) pixel points per hand; None where hands were not looked for

    @property
    def face(self) -> Face | None:
        """The main face: the largest one."""
        return max(self.faces, key=lambda f: f.box[2] * f.box[3]) if self.faces else None

    @property
    def face_count(self) -> int:
        """How many people's faces the frame shows: the landmarker's or the detector's count,
        whichever is higher, a face either found twice counted once (a bystander's face boxed
        twice read as "3 faces" for two people)."""
        return max(len(distinct_faces(self.faces)), len(distinct_faces(self.identities or ())))


@dataclass(frozen=True)
class AudioAnalysis:
    """Speech found in the session's audio: VAD segments (the accurate clock) and the transcript."""

    duration: float
    sample_rate: int
    speech: tuple[Segment, ...]
    transcript: tuple[TranscriptSegment, ...]
    language: str | None = None
    samples: Waveform | None = field(default=None, repr=False)  # 16 kHz mono, read by slices (Pcm16 for a recording)

    @property
    def speech_seconds(self) -> float:
        return sum(s.duration for s in self.speech)
