"""Sharpness and noise of the face against the frame it sits in.

A swapped or re-rendered face is synthesised at a fixed, usually low, resolution (inswapper: 128
px) and scaled into the frame, so it carries less fine detail and less sensor noise than the rest
of the picture; an over-sharpened face carries more. Both are measured as log ratios face/frame,
so the camera's own focus and compression cancel out; 0 means the face is like its frame.
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.forensics.face_regions import FaceCrop

DETAIL_SIGMA = 0.7  # the finest band: what upscaling removes first


def detail_map(gray: np.ndarray) -> np.ndarray:
    """Squared finest-band detail per pixel (image minus a slight blur)."""
    return (gray - cv2.GaussianBlur(gray, (0, 0), DETAIL_SIGMA)) ** 2


def _log_mean(values: np.ndarray) -> float:
    return float(np.log(values.mean() + 1e-2)) if values.size else float("nan")


def _flat_noise(detail: np.ndarray, mask: np.ndarray) -> float:
    """Noise level where the picture is flat: the lower half of the detail values in `mask`, so
    edges and texture do not count as noise."""
    values = detail[mask]
    if values.size < 16:
        return float("nan")
    return _log_mean(np.partition(values, values.size // 2)[: values.size // 2])


def outside_face(frame_shape: tuple[int, int], crop: FaceCrop, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Mask of the frame's pixels outside the face's crop (`offset`: where the crop's own image
    started in the frame, when it was cut from a region of it)."""
    outside = np.ones(frame_shape, bool)
    x0, y0 = crop.origin[0] + offset[0], crop.origin[1] + offset[1]
    outside[max(0, y0):y0 + crop.gray.shape[0], max(0, x0):x0 + crop.gray.shape[1]] = False
    return outside


def detail_and_noise(detail: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(log mean detail, log flat-area noise) of the pixels in `mask`."""
    return _log_mean(detail[mask]), _flat_noise(detail, mask)


def frame_reference(frame_gray: np.ndarray, outside: np.ndarray) -> tuple[float, float]:
    """Detail and noise of the frame around the face; NaN if the face fills the frame. It changes
    with the scene, not per frame, so callers may reuse it for a second."""
    if outside.mean() < 0.2:
        return float("nan"), float("nan")
    return detail_and_noise(detail_map(frame_gray), outside)


def sharpness_mismatch(crop: FaceCrop, reference: tuple[float, float]) -> float:
    """Mean of log(face detail / frame detail) and log(face noise / frame noise); negative: the
    face is smoother than its frame, positive: sharper or noisier."""
    face = detail_and_noise(detail_map(crop.gray), crop.inner)
    differences = [f - r for f, r in zip(face, reference) if not (np.isnan(f) or np.isnan(r))]
    return float(np.mean(differences)) if differences else float("nan")
