"""The records that flow from perception to the checks: one `FrameObservation` per analysed
frame and one `AudioAnalysis` per session. Checks read these and never call models themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np

from models.outputs import Face, FaceIdentity, Segment, TranscriptSegment, Waveform


class SourcePicture(Protocol):
    """A frame at the recording's own resolution, converted to RGB a region at a time."""

    size: tuple[int, int]  # width, height

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """RGB uint8 rows y0:y1, columns x0:x1 (0 <= x0 <= x1 <= width, likewise y)."""
        ...


@dataclass(frozen=True)
class ArrayPicture:
    """A picture already in memory (RGB, or any per-pixel array such as a mask), read by regions."""

    pixels: np.ndarray

    @property
    def size(self) -> tuple[int, int]:
        return self.pixels.shape[1], self.pixels.shape[0]

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        return self.pixels[y0:y1, x0:x1]


@dataclass(frozen=True)
class Frame:
    """A decoded frame: RGB uint8 (H, W, 3), C-contiguous, at its real presentation time.

    `image` is scaled to the sampling policy's size; `source_region` reads the frame at the
    recording's own resolution (forensic signals on small faces), converting only the region asked
    for: a face on a 1080p call is a few percent of the frame.
    """

    t: float
    index: int
    image: np.ndarray
    source: SourcePicture | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.image.shape[:2]
        return width, height

    @property
    def source_size(self) -> tuple[int, int]:
        return self.source.size if self.source is not None else self.size

    def source_region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """RGB at source resolution, rows y0:y1 and columns x0:x1 clipped to the frame (the analysed
        image itself when the source was not larger)."""
        width, height = self.source_size
        x0, x1 = min(max(0, x0), width), min(max(0, x1), width)
        y0, y1 = min(max(0, y0), height), min(max(0, y1), height)
        picture = self.source if self.source is not None else ArrayPicture(self.image)
        return picture.region(x0, y0, max(x0, x1), max(y0, y1))


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
    # False when `faces` come from the zoom's crop around one small face (interview/perception.py):
    # the rest of the frame was not searched, so only `identities` (the detector's looks) count others.
    whole_frame: bool = True

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
