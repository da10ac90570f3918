"""Frequency-domain anomalies: how fast the face's spectrum falls off towards the finest details.

A face generated at low resolution and scaled up has almost no power near the Nyquist frequency
(an interpolation filter's cut-off), and some generators leave excess power there instead
(checkerboard upsampling). We compare the face's high-to-mid frequency power ratio with the same
ratio in patches of the ring of hair, ears and neck around it (FaceCrop.surround), so the camera,
its focus and the codec cancel: 0 means the face's spectrum falls off like its surroundings',
negative: it falls off faster (upscaled), positive: slower.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from interview.checks.deepfake.face_regions import FaceCrop

PATCH = 32  # FFT size; the face is sampled at this size without resampling (tiles are averaged)
STEP = PATCH // 2  # Hann-windowed tiles overlapping by half (Welch): denser adds cost, not information
MIN_INSIDE = 0.9  # share of a tile's pixels that must lie in the region it samples
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


def _tiles(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """PATCH x PATCH tiles of `gray` every STEP pixels that lie (almost) wholly inside `mask` (its
    pixels in each tile counted on the mask's integral image)."""
    if min(gray.shape) < PATCH:
        return np.zeros((0, PATCH, PATCH), np.float32)
    blocks = sliding_window_view(gray, (PATCH, PATCH))[::STEP, ::STEP]
    total = cv2.integral(mask.view(np.uint8))
    rows, columns = np.arange(blocks.shape[0]) * STEP, np.arange(blocks.shape[1]) * STEP
    top, bottom = total[rows], total[rows + PATCH]
    inside = bottom[:, columns + PATCH] - bottom[:, columns] - top[:, columns + PATCH] + top[:, columns]
    return blocks[inside >= MIN_INSIDE * PATCH * PATCH]


def spectral_falloff(crop: FaceCrop) -> float:
    """Face high/mid power ratio minus the surround's (log units); NaN if the face or the visible
    surround is smaller than one tile."""
    return high_mid_ratio(_tiles(crop.gray, crop.inner)) - high_mid_ratio(_tiles(crop.gray, crop.surround))
