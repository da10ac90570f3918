"""Temporal flicker: frame-to-frame colour changes of the face that its surroundings do not share.

A face synthesised frame by frame gets its colour correction and blending re-estimated every
frame, so its mean colour wobbles while the lighting of the room does not. We follow the face's
mean colour (on an aligned crop, so the same skin is measured whatever the head does) minus the
mean colour of the frame around it, and take the second difference: smooth lighting changes and
head motion vanish, frame-to-frame wobble stays. Units: 8-bit intensity levels.
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.forensics.face_regions import aligned_crop

ALIGNED = 32
_yy, _xx = np.mgrid[0:ALIGNED, 0:ALIGNED]
SKIN = ((_xx - ALIGNED / 2) / (0.30 * ALIGNED)) ** 2 + ((_yy - 0.58 * ALIGNED) / (0.36 * ALIGNED)) ** 2 < 1


def face_and_surround_colour(image: np.ndarray, landmarks: np.ndarray,
                             box: tuple[float, float, float, float]) -> np.ndarray:
    """(2, 3) mean RGB of the face's skin and of the frame outside the face box."""
    face = aligned_crop(image, landmarks, ALIGNED)[SKIN].mean(0)
    height, width = image.shape[:2]
    x, y, w, h = box
    x0, y0, x1, y1 = max(0, int(x)), max(0, int(y)), min(width, int(x + w)), min(height, int(y + h))
    total = np.array(cv2.sumElems(image)[:3])
    inside = np.array(cv2.sumElems(image[y0:y1, x0:x1])[:3]) if x1 > x0 and y1 > y0 else np.zeros(3)
    rest = max(1, width * height - max(0, x1 - x0) * max(0, y1 - y0))
    return np.stack([face, (total - inside) / rest])


def colour_flicker(colours: np.ndarray) -> float:
    """Median |second difference| of face-minus-surroundings colour over a run of consecutive
    frames, (n, 2, 3) -> intensity levels; NaN with fewer than 3 frames."""
    if len(colours) < 3:
        return float("nan")
    relative = colours[:, 0] - colours[:, 1]
    second = relative[2:] - 2 * relative[1:-1] + relative[:-2]
    return float(np.median(np.abs(second).mean(1)))
