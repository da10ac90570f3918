"""Sharpness and noise of the face against the ring of head and neck around it.

A swapped or re-rendered face is synthesised at a fixed, usually low, resolution (inswapper: 128
px) and scaled into the frame, so it carries less fine detail and less sensor noise than the hair,
ears and neck right around it; an over-sharpened face carries more. Both are measured as log ratios
face/surround (FaceCrop.surround: the same distance from the camera, so the same focus, and the same
compression), so the camera's focus and the codec cancel out; 0 means the face is like its
surroundings.
"""

from __future__ import annotations

import numpy as np

from interview.checks.deepfake.face_regions import FaceCrop

MIN_PIXELS = 16


def _log_mean(values: np.ndarray) -> float:
    return float(np.log(values.mean() + 1e-2))


def detail_and_noise(detail: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(log mean detail, log flat-area noise) of the pixels in `mask`; the noise is the lower half
    of the detail values, where the picture is flat, so edges and texture do not count as noise.
    NaN with fewer than MIN_PIXELS pixels."""
    values = detail[mask]
    if values.size < MIN_PIXELS:
        return float("nan"), float("nan")
    return _log_mean(values), _log_mean(np.partition(values, values.size // 2)[: values.size // 2])


def sharpness_mismatch(crop: FaceCrop) -> float:
    """Mean of log(face detail / surround detail) and log(face noise / surround noise); negative:
    the face is smoother than the head around it, positive: sharper or noisier. NaN when the face or
    its surround has fewer than MIN_PIXELS pixels in the picture."""
    face, surround = detail_and_noise(crop.detail, crop.inner), detail_and_noise(crop.detail, crop.surround)
    return float(np.mean(np.subtract(face, surround)))
