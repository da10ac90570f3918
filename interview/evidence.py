"""Evidence frames: which moment shows a finding, the pixels kept for it, and the image written for it.

Checks decide *what* to show while they assess (an `EvidenceRef`: a time, a name and the regions to
mark, in pixels of the analysed frame); they never write files. During the session each check keeps
the few frames it may point to in a `FrameKeeper` (JPEG in memory, about 20-60 KB each). Only when a
session is concluded does the runner (`write_evidence`) turn references into JPEG files, so a live
panel can assess as often as it likes at no disk cost.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

Mark = tuple[float, float, float, float, str]  # x, y, width, height, label


@dataclass(frozen=True)
class EvidenceRef:
    """The frame at `t` (session seconds) with `marks` drawn on it, to be written as `name`.jpg.
    `source` "id_photo" points at the candidate's ID photo instead of a call frame (`t` unused)."""

    t: float
    name: str
    marks: tuple[Mark, ...] = ()
    source: str = "call"


@dataclass(frozen=True)
class KeptFrame:
    """A kept frame: RGB pixels, scaled by `scale` from the analysed frame."""

    t: float
    image: np.ndarray
    scale: float


MAX_OFFERED = 1800  # cadence frames kept: 30 minutes at one a second


class FrameKeeper:
    """Frames a check may show later, as JPEG in memory: `offer` keeps one every `every_s` (a steady
    cadence for findings decided at the end), `keep` keeps a given frame (the one a signal fired on),
    `drop` forgets one. `side` scales the kept copy down (None: as analysed). At most `max_offered`
    cadence frames are kept: past that every other one is dropped and the cadence halves, so a
    three-hour call holds about what a 30-minute one does (~35 MB at 480 px), a frame every few seconds."""

    def __init__(self, every_s: float = 1.0, side: int | None = 480, quality: int = 80, max_offered: int = MAX_OFFERED):
        self.every_s, self.side, self.quality, self.max_offered = every_s, side, quality, max_offered
        self._times: list[float] = []
        self._items: dict[float, tuple[bytes, float, tuple[float, float, float, float] | None]] = {}
        self._last_offer = float("-inf")
        self._offered: list[float] = []

    def __len__(self) -> int:
        return len(self._times)

    def offer(self, t: float, image: np.ndarray, box: tuple[float, float, float, float] | None = None) -> None:
        """Keep this frame if the last offered one kept is at least every_s old."""
        if t - self._last_offer >= self.every_s and self.keep(t, image, box):
            self._last_offer = t
            self._offered.append(t)
        if len(self._offered) > self.max_offered:
            for old in self._offered[1::2]:
                self.drop(old)
            self._offered, self.every_s = self._offered[::2], 2 * self.every_s

    def keep(self, t: float, image: np.ndarray, box: tuple[float, float, float, float] | None = None) -> bool:
        scale = min(1.0, self.side / max(image.shape[:2])) if self.side else 1.0
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:
            return False
        if t not in self._items:
            bisect.insort(self._times, t)
        self._items[t] = (jpeg.tobytes(), scale, box)
        return True

    def drop(self, t: float) -> None:
        if self._items.pop(t, None) is not None:
            self._times.pop(bisect.bisect_left(self._times, t))

    def nearest_time(self, t: float) -> float | None:
        """The kept time nearest to t (no decoding)."""
        if not self._times:
            return None
        i = bisect.bisect_left(self._times, t)
        return self._times[min((j for j in (i - 1, i) if 0 <= j < len(self._times)), key=lambda j: abs(self._times[j] - t))]

    def box_at(self, t: float) -> tuple[float, float, float, float] | None:
        """The box kept with the frame at exactly t (a `nearest_time`), in analysed pixels."""
        item = self._items.get(t)
        return item[2] if item else None

    def nearest(self, t: float) -> KeptFrame | None:
        kept = self.nearest_time(t)
        if kept is None:
            return None
        jpeg, scale, _ = self._items[kept]
        image = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        return KeptFrame(kept, image, scale)

    def ref_near(self, t: float | None, name: str, label: str) -> EvidenceRef | None:
        """A reference to the kept frame nearest t with its kept box marked `label`."""
        kept = self.nearest_time(t) if t is not None else None
        if kept is None:
            return None
        box = self.box_at(kept)
        return EvidenceRef(kept, name, ((*box, label),) if box is not None else ())


def save_evidence(image_rgb: np.ndarray, evidence_dir: Path, name: str, marks: tuple[Mark, ...] | list[Mark] = ()) -> str:
    """Write a JPEG with each mark drawn as a labelled box; returns the path relative to the
    output folder (evidence_dir's parent), as findings store it."""
    evidence_dir.mkdir(parents=True, exist_ok=True)
    canvas = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)
    thickness = max(2, round(max(canvas.shape[:2]) / 320))
    for x, y, w, h, label in marks:
        top_left, bottom_right = (int(x), int(y)), (int(x + w), int(y + h))
        cv2.rectangle(canvas, top_left, bottom_right, (0, 0, 255), thickness)
        if label:
            cv2.putText(canvas, label, (int(x), max(14, int(y) - 6)), cv2.FONT_HERSHEY_SIMPLEX,
                        0.5 * thickness / 2, (0, 0, 255), max(1, thickness // 2), cv2.LINE_AA)
    path = evidence_dir / f"{name.replace('.', '_')}.jpg"
    cv2.imwrite(str(path), canvas, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return f"{evidence_dir.name}/{path.name}"


def write_ref(ref: EvidenceRef, frame: KeptFrame | None, evidence_dir: Path) -> str | None:
    """The image of one reference (marks scaled to the kept copy), or None when its frame was not kept."""
    if frame is None:
        return None
    marks = tuple((x * frame.scale, y * frame.scale, w * frame.scale, h * frame.scale, label)
                  for x, y, w, h, label in ref.marks)
    return save_evidence(frame.image, evidence_dir, ref.name, marks)


def resolve_refs(value, write):
    """`value` (a measurement: dicts, lists, scalars) with every EvidenceRef replaced by write(ref)."""
    if isinstance(value, EvidenceRef):
        return write(value)
    if isinstance(value, dict):
        return {key: resolve_refs(item, write) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_refs(item, write) for item in value]
    return value


def with_frames(findings: list, write) -> list:
    """Findings with `frame` set from their evidence reference (written by `write`)."""
    return [replace(f, frame=write(f.evidence)) if f.evidence is not None else f for f in findings]
