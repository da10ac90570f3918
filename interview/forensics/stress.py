"""Behaviour under stress: real-time swaps break down in profile views and when a hand covers the
face (the swap model was trained on frontal, unoccluded faces). We compare the per-frame artifact
score in stressed frames with the same person's frontal frames; a real face scores about the same.
"""

from __future__ import annotations

import numpy as np

from interview.observations import Face

PROFILE_YAW_DEG = 30.0
STEEP_PITCH_DEG = 25.0
MIN_FRAMES = 3


def hand_over_face(face: Face, hands: tuple[np.ndarray, ...] | None) -> bool:
    """True when any hand point lies inside the face box."""
    if not hands:
        return False
    x, y, w, h = face.box
    return any(bool(np.any((p[:, 0] >= x) & (p[:, 0] <= x + w) & (p[:, 1] >= y) & (p[:, 1] <= y + h)))
               for p in hands)


def is_stressed(face: Face, hands: tuple[np.ndarray, ...] | None) -> bool:
    """A profile view, a steep up/down look, or a hand over the face."""
    return (abs(face.pose.yaw) >= PROFILE_YAW_DEG or abs(face.pose.pitch) >= STEEP_PITCH_DEG
            or hand_over_face(face, hands))


def stress_rise(scores: np.ndarray, stressed: np.ndarray) -> float:
    """Mean artifact score in stressed frames minus in the others; NaN unless both have MIN_FRAMES."""
    scores, stressed = np.asarray(scores, float), np.asarray(stressed, bool)
    valid = ~np.isnan(scores)
    if (valid & stressed).sum() < MIN_FRAMES or (valid & ~stressed).sum() < MIN_FRAMES:
        return float("nan")
    return float(scores[valid & stressed].mean() - scores[valid & ~stressed].mean())
