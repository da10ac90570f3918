"""Mouth interior and eye consistency: the parts generators draw worst.

Mouth: teeth and tongue are small, high-contrast structures that reenactment (NeuralTextures,
lip-sync models) and swaps blur into a grey band. When the mouth is open we measure the contrast
inside the inner lip contour (bright teeth against the dark mouth) in units of the face's own
contrast; lower means less detail than a real open mouth shows.

Eyes: both eyes see the same lights, so their corneal highlights sit at the same place relative to
the iris, and both eyes are equally sharp. A generator draws each eye on its own. We measure the
distance between the two highlights' offsets (in iris radii) and the sharpness difference between
the eyes. Needs eyes of at least MIN_EYE_WIDTH_PX; smaller eyes give NaN.
"""

from __future__ import annotations

import numpy as np

from interview.checks.deepfake.face_regions import FaceCrop, polygon_mask
from interview.face_landmarks import LEFT_EYE, LEFT_IRIS, LEFT_IRIS_CENTRE, RIGHT_EYE, RIGHT_IRIS, RIGHT_IRIS_CENTRE

MIN_MOUTH_GAP = 0.08  # inner-lip gap in interocular distances: below this no teeth show
MIN_MOUTH_PIXELS = 30
MIN_EYE_WIDTH_PX = 14


def mouth_gap(landmarks: np.ndarray, scale: float) -> float:
    """Inner lip opening (upper lip 13 to lower lip 14) in interocular distances."""
    return float(np.linalg.norm(landmarks[13, :2] - landmarks[14, :2]) / scale)


def mouth_detail(crop: FaceCrop, landmarks: np.ndarray) -> float:
    """log(spread of brightness inside the open mouth / brightness std of the face), NaN when the
    mouth is closed or too small to see teeth."""
    if mouth_gap(landmarks, crop.scale) < MIN_MOUTH_GAP or crop.mouth.sum() < MIN_MOUTH_PIXELS:
        return float("nan")
    inside = crop.gray[crop.mouth]
    spread = np.percentile(inside, 95) - np.percentile(inside, 20)
    return float(np.log((spread + 1.0) / (crop.gray[crop.inner].std() + 1.0)))


def _eye(crop: FaceCrop, local: np.ndarray, contour: tuple[int, ...], iris: tuple[int, ...],
         centre: int) -> tuple[np.ndarray, float] | None:
    """Highlight offset from the iris centre in iris radii, and log detail inside the eye."""
    mask = polygon_mask(crop.gray.shape, local, contour)
    if mask.sum() < 12:
        return None
    radius = float(np.linalg.norm(local[list(iris), :2] - local[centre, :2], axis=1).mean())
    ys, xs = np.nonzero(mask)
    values = crop.gray[ys, xs]
    brightest = np.argsort(values)[-max(2, values.size // 50):]  # the top 2 %: the highlight
    spot = np.array([xs[brightest].mean(), ys[brightest].mean()])
    return (spot - local[centre, :2]) / max(radius, 1.0), float(np.log(crop.detail[mask].mean() + 1e-2))


def eye_mismatch(crop: FaceCrop, landmarks: np.ndarray) -> float:
    """Highlight offset distance (iris radii) plus |log detail difference| between the two eyes;
    NaN when the eyes are too small, closed or turned away."""
    local = landmarks[:, :2] - np.array(crop.origin, np.float32)
    widths = [np.ptp(local[list(eye), 0]) for eye in (LEFT_EYE, RIGHT_EYE)]
    if min(widths) < MIN_EYE_WIDTH_PX or min(widths) < 0.6 * max(widths):  # small, or a profile view
        return float("nan")
    left = _eye(crop, local, LEFT_EYE, LEFT_IRIS, LEFT_IRIS_CENTRE)
    right = _eye(crop, local, RIGHT_EYE, RIGHT_IRIS, RIGHT_IRIS_CENTRE)
    if left is None or right is None:
        return float("nan")
    return float(np.linalg.norm(left[0] - right[0]) + abs(left[1] - right[1]))
