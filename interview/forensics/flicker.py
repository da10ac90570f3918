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

from interview.forensics.face_regions import align_matrix

ALIGNED = 32  # the aligned geometry the skin ellipse is defined in (ArcFace template scaled to 32 px)
_ANGLES = np.linspace(0, 2 * np.pi, 32, endpoint=False)
SKIN_ELLIPSE = np.stack([ALIGNED * (0.5 + 0.30 * np.cos(_ANGLES)), ALIGNED * (0.58 + 0.36 * np.sin(_ANGLES))], 1)


def skin_polygon(landmarks: np.ndarray) -> np.ndarray:
    """The cheeks-to-chin skin ellipse of the aligned geometry, in image pixels, (32, 2)."""
    inverse = cv2.invertAffineTransform(align_matrix(landmarks, ALIGNED))
    return SKIN_ELLIPSE @ inverse[:, :2].T + inverse[:, 2]


def _mean_inside(image: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Mean RGB of the pixels inside a polygon (NaN when it lies outside the image)."""
    height, width = image.shape[:2]
    x0, y0 = np.maximum(0, np.floor(polygon.min(0)).astype(int))
    x1, y1 = np.minimum((width, height), np.ceil(polygon.max(0)).astype(int) + 1)
    if x1 <= x0 or y1 <= y0:
        return np.full(3, np.nan)
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [np.round(polygon - (x0, y0)).astype(np.int32)], 1)
    return np.array(cv2.mean(image[y0:y1, x0:x1], mask)[:3]) if mask.any() else np.full(3, np.nan)


def face_and_surround_colour(image: np.ndarray, landmarks: np.ndarray,
                             box: tuple[float, float, float, float]) -> np.ndarray:
    """(2, 3) mean RGB of the face's skin and of the frame outside the face box.

    The skin is averaged over its whole area: sampling it on a small aligned grid would alias skin
    texture and compression blocks into "flicker" that grows with the face's size."""
    height, width = image.shape[:2]
    x, y, w, h = box
    x0, y0, x1, y1 = max(0, int(x)), max(0, int(y)), min(width, int(x + w)), min(height, int(y + h))
    total = np.array(cv2.sumElems(image)[:3])
    inside = np.array(cv2.sumElems(image[y0:y1, x0:x1])[:3]) if x1 > x0 and y1 > y0 else np.zeros(3)
    rest = max(1, width * height - max(0, x1 - x0) * max(0, y1 - y0))
    return np.stack([_mean_inside(image, skin_polygon(landmarks)), (total - inside) / rest])


def colour_flicker(colours: np.ndarray) -> float:
    """Median |second difference| of face-minus-surroundings colour over a run of consecutive
    frames, (n, 2, 3) -> intensity levels; NaN with fewer than 3 frames."""
    if len(colours) < 3:
        return float("nan")
    relative = colours[:, 0] - colours[:, 1]
    second = relative[2:] - 2 * relative[1:-1] + relative[:-2]
    return float(np.median(np.abs(second).mean(1)))
