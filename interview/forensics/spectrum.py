"""Frequency-domain anomalies: how fast the face's spectrum falls off towards the finest details.

A face generated at low resolution and scaled up has almost no power near the Nyquist frequency
(an interpolation filter's cut-off), and some generators leave excess power there instead
(checkerboard upsampling). We compare the face's high-to-mid frequency power ratio with the same
ratio in patches of the frame around it, so the camera and codec cancel: 0 means the face's
spectrum falls off like its frame's, negative: it falls off faster (upscaled), positive: slower.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from interview.forensics.face_regions import FaceCrop

PATCH = 32  # FFT size; the face is sampled at this size without resampling (tiles are averaged)
HIGH = (0.5, 1.0)  # fractions of the Nyquist frequency
MID = (0.125, 0.375)


def _radius() -> np.ndarray:
    f = np.fft.fftfreq(PATCH) * 2  # in units of Nyquist
    return np.hypot(f[:, None], f[None, :])


_R = _radius()
_WINDOW = np.outer(np.hanning(PATCH), np.hanning(PATCH))


def high_mid_ratio(tiles: np.ndarray) -> float:
    """log(mean power in HIGH / mean power in MID) over a stack of (n, PATCH, PATCH) tiles."""
    if len(tiles) == 0:
        return float("nan")
    tiles = tiles - tiles.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(tiles * _WINDOW)) ** 2).mean(0)
    high = power[(_R >= HIGH[0]) & (_R <= HIGH[1])].mean()
    mid = power[(_R >= MID[0]) & (_R <= MID[1])].mean()
    return float(np.log((high + 1e-3) / (mid + 1e-3)))


def _tiles(gray: np.ndarray, mask: np.ndarray, min_inside: float, step: int) -> np.ndarray:
    """PATCH x PATCH tiles of `gray` every `step` pixels whose pixels are mostly inside `mask`."""
    if min(gray.shape) < PATCH:
        return np.zeros((0, PATCH, PATCH), np.float32)
    blocks = sliding_window_view(gray, (PATCH, PATCH))[::step, ::step]
    inside = sliding_window_view(mask.astype(np.float32), (PATCH, PATCH))[::step, ::step].mean(axis=(2, 3))
    return blocks[inside >= min_inside]


def frame_ratio(frame_gray: np.ndarray, outside: np.ndarray) -> float:
    """High/mid power ratio of the frame's tiles outside the face (reusable for a second, like
    sharpness.frame_reference)."""
    return high_mid_ratio(_tiles(frame_gray, outside, 1.0, PATCH))


def spectral_falloff(crop: FaceCrop, reference: float) -> float:
    """Face high/mid power ratio minus the frame's (log units); NaN if the face is smaller than one
    tile or the frame had no tile outside the face."""
    return high_mid_ratio(_tiles(crop.gray, crop.inner, 0.9, PATCH // 4)) - reference
