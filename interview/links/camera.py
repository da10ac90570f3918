"""The camera behind a recording, by its sensor noise (PRNU): the same camera under two names is a link.

Every sensor's pixels differ slightly in sensitivity; that fixed pattern multiplies every frame the
camera takes and survives mild compression. It is estimated from the frames the analysis already
decodes: in each frame, the noise residual W = I - denoise(I) of the four corner tiles (where a
talking head rarely is; the face boxes perception found are masked out all the same, and so are
clipped pixels and edges, whose residual is the scene rather than the sensor), and the pattern K = sum(W I) / sum(I^2) over frames (the maximum-likelihood
estimate of Chen et al. 2008). Row and column means are removed (the linear patterns every encoder
and readout share) and the spectrum is flattened (phase only, so periodic codec blocking and
smooth scene leftovers weigh no more than the rest); the sign of what is left is kept, one bit a
pixel, at the recording's own resolution: no pixels of the picture. Two patterns of recordings of
one size are compared by the peak-to-correlation energy (PCE) of their cross-correlation: the
correlation at zero shift, squared, over its mean square at other shifts.

Compression decides what is left: a heavily compressed or rescaled video (most web clips, every
recording of a call that was re-encoded) carries too little of the pattern to link, and a
recording at another resolution cannot be compared at all. Then no link is made; a missing camera
link says nothing.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from interview.observations import Frame, FrameObservation

TILE = 256  # px at the recording's resolution: the side of each corner tile (smaller frames: half their side)
DENOISE_SIGMA = 1.0  # px: the Gaussian whose removal leaves the noise residual
CLIPPED = (8, 247)  # grey levels outside which a pixel carries no multiplicative noise
FACE_MARGIN = 0.3  # of the face box's longer side
MIN_FRAMES = 20  # fewer frames give no pattern worth keeping
EVERY_FRAME = 300  # the first frames are all used; then one a second
MAX_FRAMES = 1200
TEXTURE = 10.0  # grey levels of local contrast above which the residual is mostly the scene's edges
FLAT = 3.0  # grey levels of local contrast under which a residual measures noise, not the scene
EXCLUDE = 5  # px around zero shift left out of the correlation energy
CAMERA_THRESHOLD = 60.0  # PCE (README, Links)


@dataclass
class SensorNoise:
    """Accumulates the noise residual of frames as perception sees them (`update`), and gives the
    fingerprint (`fingerprint`). Frames of another size than the first are ignored."""

    size: tuple[int, int] | None = None  # (width, height) at the recording's resolution
    frames: int = 0
    next_t: float = 0.0
    _num: np.ndarray | None = field(default=None, repr=False)
    _den: np.ndarray | None = field(default=None, repr=False)
    _noise: list[float] = field(default_factory=list, repr=False)

    def update(self, frame: Frame, obs: FrameObservation | None = None) -> None:
        if self.frames >= MAX_FRAMES or (self.frames >= EVERY_FRAME and frame.t < self.next_t):
            return
        width, height = frame.source_size
        if self.size is None:
            self.size = (width, height)
        elif self.size != (width, height):
            return
        tile = tile_side(width, height)
        if tile < 32:
            return
        grey = cv2.cvtColor(corners(frame.source_region, width, height, tile), cv2.COLOR_RGB2GRAY).astype(np.float32)
        smooth = cv2.GaussianBlur(grey, (0, 0), DENOISE_SIGMA)
        residual = grey - smooth
        contrast = cv2.morphologyEx(smooth, cv2.MORPH_GRADIENT, np.ones((5, 5), np.uint8))
        usable = (grey > CLIPPED[0]) & (grey < CLIPPED[1]) & (contrast < TEXTURE)
        if obs is not None and obs.faces:
            usable &= ~corners(FaceArea.of(obs, width, height).region, width, height, tile)
        if self._num is None:
            self._num, self._den = np.zeros_like(grey), np.zeros_like(grey)
        self._num += residual * grey * usable
        self._den += grey * grey * usable
        flat = usable & (contrast < FLAT)
        if flat.sum() > 1000:
            self._noise.append(float(residual[flat].std()))
        self.frames += 1
        self.next_t = frame.t + 1.0

    @property
    def noise_level(self) -> float | None:
        """Median grey-level std of the residual in flat areas: a camera's temporal noise as the
        codec left it (None: no flat area seen)."""
        return round(float(np.median(self._noise)), 3) if self._noise else None

    def fingerprint(self) -> dict | None:
        """{"size": [w, h], "tile": px, "frames": n, "bits": base64 signs, "valid": base64 mask};
        None under MIN_FRAMES frames (no pattern worth keeping or comparing)."""
        if self._num is None or self.size is None or self.frames < MIN_FRAMES:
            return None
        valid = self._den > 0
        pattern = np.where(valid, self._num / np.maximum(self._den, 1e-6), 0.0)
        pattern = whiten(pattern, tile_side(*self.size)) * valid
        return {"size": list(self.size), "tile": tile_side(*self.size), "frames": self.frames,
                "bits": _pack(pattern > 0), "valid": _pack(valid)}


def tile_side(width: int, height: int) -> int:
    return min(TILE, width // 2, height // 2) // 8 * 8


def corners(region: Callable[[int, int, int, int], np.ndarray], width: int, height: int, tile: int) -> np.ndarray:
    """The four corner tiles of a width x height picture, read through region(x0, y0, x1, y1)
    (only they are converted), as one (2 tile, 2 tile) mosaic."""
    top = np.concatenate([region(0, 0, tile, tile), region(width - tile, 0, width, tile)], axis=1)
    bottom = np.concatenate([region(0, height - tile, tile, height), region(width - tile, height - tile, width, height)], axis=1)
    return np.concatenate([top, bottom], axis=0)


@dataclass(frozen=True)
class FaceArea:
    """Where the faces are (their boxes grown by FACE_MARGIN) at the recording's resolution, drawn
    only in the regions asked for: the corner tiles are a small part of the frame."""

    boxes: tuple[tuple[int, int, int, int], ...]  # y0, y1, x0, x1 of each grown box, clipped to the frame

    @classmethod
    def of(cls, obs: FrameObservation, width: int, height: int) -> FaceArea:
        scale = width / obs.width
        boxes = []
        for face in obs.faces:
            x, y, w, h = (v * scale for v in face.box)
            grow = FACE_MARGIN * max(w, h)
            rows = slice(max(0, int(y - grow)), int(y + h + grow)).indices(height)
            columns = slice(max(0, int(x - grow)), int(x + w + grow)).indices(width)
            boxes.append((rows[0], rows[1], columns[0], columns[1]))
        return cls(tuple(boxes))

    def region(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """True on the faces in rows y0:y1, columns x0:x1."""
        mask = np.zeros((y1 - y0, x1 - x0), bool)
        for top, bottom, left, right in self.boxes:
            top, bottom, left, right = max(top, y0), min(bottom, y1), max(left, x0), min(right, x1)
            if bottom > top and right > left:
                mask[top - y0:bottom - y0, left - x0:right - x0] = True
        return mask


def whiten(pattern: np.ndarray, tile: int) -> np.ndarray:
    """Row and column means removed per tile, then the spectrum flattened (phase only)."""
    out = pattern.astype(np.float64)
    for top in (0, tile):
        for left in (0, tile):
            block = out[top:top + tile, left:left + tile]
            block -= block.mean(axis=1, keepdims=True)
            block -= block.mean(axis=0, keepdims=True)
    spectrum = np.fft.fft2(out)
    return np.real(np.fft.ifft2(spectrum / (np.abs(spectrum) + 1e-12)))


def _pack(bits: np.ndarray) -> str:
    return base64.b64encode(np.packbits(bits.ravel())).decode("ascii")


def _unpack(text: str, side: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8))[:side * side].reshape(side, side)


def signs(payload: dict) -> np.ndarray:
    """The fingerprint as +1/-1 where it was measured, 0 elsewhere."""
    side = 2 * payload["tile"]
    return np.where(_unpack(payload["valid"], side) > 0, _unpack(payload["bits"], side) * 2.0 - 1.0, 0.0)


@lru_cache(maxsize=512)
def _spectrum(bits: str, valid: str, tile: int) -> np.ndarray:
    """The fingerprint's spectrum, once per fingerprint however many it is compared with."""
    return np.fft.rfft2(signs({"bits": bits, "valid": valid, "tile": tile}).astype(np.float32))


def pce(a: np.ndarray, b: np.ndarray) -> float:
    """Peak-to-correlation energy at zero shift of two patterns or their rfft2 spectra (signed: a
    negative peak is no match)."""
    fa, fb = (x if np.iscomplexobj(x) else np.fft.rfft2(x) for x in (a, b))
    correlation = np.fft.irfft2(fa * np.conj(fb))
    peak = correlation[0, 0]
    around = np.ones_like(correlation, bool)
    around[:EXCLUDE + 1, :EXCLUDE + 1] = around[:EXCLUDE + 1, -EXCLUDE:] = False
    around[-EXCLUDE:, :EXCLUDE + 1] = around[-EXCLUDE:, -EXCLUDE:] = False
    energy = float(np.mean(correlation[around] ** 2))
    return float(np.sign(peak) * peak * peak / energy) if energy > 0 else 0.0


def chance(score: float) -> float:
    """How often two different cameras reach this PCE: under no shared pattern the zero-shift
    correlation is Gaussian, so PCE is chi-squared with one degree of freedom."""
    return math.erfc(math.sqrt(max(score, 0.0) / 2))


def camera_evidence(a: dict, b: dict, score: float) -> dict:
    """What a reviewer reads beside a camera link: the size compared, the frames behind each
    pattern, and the chance of a match this close between different cameras."""
    return {"size": f"{a['size'][0]}x{a['size'][1]}", "frames": [a["frames"], b["frames"]],
            "chance": float(f"{chance(score):.1e}")}


def camera_similarity(a: dict | None, b: dict | None) -> float:
    """PCE of two fingerprints; 0 when either is missing or their recordings differ in size."""
    if not a or not b or a["size"] != b["size"] or a["tile"] != b["tile"]:
        return 0.0
    return pce(*(_spectrum(p["bits"], p["valid"], p["tile"]) for p in (a, b)))
