"""Temporal flicker: frame-to-frame colour changes of the face that its surroundings do not share.

A face synthesised frame by frame gets its colour correction and blending re-estimated every
frame, so its mean colour wobbles while the lighting of the room does not. We follow the face's
mean colour (over the same patch of skin whatever the head does: an ellipse fixed in the aligned
face geometry) minus the mean colour of the frame around it, and take the second difference:
smooth lighting changes and head motion vanish, frame-to-frame wobble stays. Units: 8-bit levels.
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.checks.deepfake.face_regions import align_matrix

ALIGNED = 32  # the aligned geometry the skin ellipse is defined in (ArcFace template scaled to 32 px)
_ANGLES = np.linspace(0, 2 * np.pi, 32, endpoint=False)
SKIN_ELLIPSE = np.stack([ALIGNED * (0.5 + 0.30 * np.cos(_ANGLES)), ALIGNED * (0.58 + 0.36 * np.sin(_ANGLES))], 1)


def skin_polygon(landmarks: np.ndarray) -> np.ndarray:
    """The cheeks-to-chin skin ellipse of the aligned geometry, in image pixels, (32, 2)."""
    inverse = cv2.invertAffineTransform(align_matrix(landmarks, ALIGNED))
    return SKIN_ELLIPSE @ inverse[:, :2].T + inverse[:, 2]


def face_and_surround_colour(image: np.ndarray, landmarks: np.ndarray,
                             box: tuple[float, float, float, float]) -> np.ndarray:
    """(2, 3) mean RGB of the face's skin and of its surroundings: the frame beside the face box on
    the skin's own rows, each row weighted as much as it holds skin.

    The skin is averaged over its whole area: sampling it on a small aligned grid would alias skin
    texture and compression blocks into "flicker" that grows with the face's size. The surroundings
    are taken row by row because light that flickers reaches the picture row by row: under 50 or
    60 Hz lamps a rolling shutter draws bright and dark bands that drift down the frame, and against
    the whole frame's mean a small face's rows flicker on their own (a mains-lit FaceForensics++
    variant rose from 0.9 to 2.9 levels, 4.5 genuine spreads). NaN where the skin is out of the
    picture or the face fills its width."""
    height, width = image.shape[:2]
    polygon = skin_polygon(landmarks)
    x0, y0 = np.maximum(0, np.floor(polygon.min(0)).astype(int))
    x1, y1 = np.minimum((width, height), np.ceil(polygon.max(0)).astype(int) + 1)
    bx0, bx1 = max(0, int(box[0])), min(width, int(box[0] + box[2]))
    if x1 <= x0 or y1 <= y0 or width - (bx1 - bx0) < 0.25 * (bx1 - bx0):
        return np.full((2, 3), np.nan)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon - (x0, y0)).astype(np.int32)], 1)
    weights = mask.sum(axis=1).astype(np.float64)
    if not weights.any():
        return np.full((2, 3), np.nan)
    def row_sums(part: np.ndarray) -> np.ndarray:  # (rows, 3); cv2 is 4x faster than numpy here
        return cv2.reduce(part, 1, cv2.REDUCE_SUM, dtype=cv2.CV_64F).reshape(-1, 3)

    beside = (row_sums(image[y0:y1]) - row_sums(image[y0:y1, bx0:bx1])) / (width - (bx1 - bx0))
    skin = np.array(cv2.mean(image[y0:y1, x0:x1], mask)[:3])
    return np.stack([skin, weights @ beside / weights.sum()])


def colour_flicker(colours: np.ndarray) -> float:
    """Median |second difference| of the face's colour relative to its surroundings over a run of
    consecutive frames, (n, 2, 3) -> intensity levels; NaN with fewer than 3 frames (or unmeasured).

    Relative means divided, not subtracted: a light that brightens or dims (a flickering lamp,
    auto-exposure) multiplies face and surroundings alike, and only the ratio cancels it. The
    ratio is scaled by the face's mean colour to stay in levels."""
    if len(colours) < 3 or np.isnan(colours).any():
        return float("nan")
    face, surround = colours[:, 0], np.maximum(colours[:, 1], 1.0)
    relative = face / surround * surround.mean(axis=0)
    second = relative[2:] - 2 * relative[1:-1] + relative[:-2]
    return float(np.median(np.abs(second).mean(1)))
