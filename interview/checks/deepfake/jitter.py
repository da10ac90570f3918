"""Landmark jitter and identity-embedding jitter.

A landmarker tracks a real face smoothly; on a face that is re-synthesised every frame its points
hop a little from frame to frame. We remove the head's own motion (a similarity fit of each frame's
skull points to the mean of its neighbours) and keep what no smooth motion explains, in percent of
the interocular distance. Expression is kept out by using skull points only (face_regions.RIGID).

The identity embedding of a swapped face also wobbles: the swap reproduces the source identity
only approximately, and differently under each pose and expression. We measure 1 - cosine between
consecutive embeddings of the same face (about 1 s apart, 0.5 s while the head is turned).
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.checks.deepfake.face_regions import interocular
from interview.face_landmarks import RIGID


def rigid_points(landmarks: np.ndarray) -> np.ndarray:
    """Skull points in units of the interocular distance, (len(RIGID), 2)."""
    return landmarks[list(RIGID), :2] / interocular(landmarks)


def landmark_jitter(points: np.ndarray) -> float:
    """Median residual (% interocular) of each frame's skull points against the similarity-aligned
    mean of its two neighbours; (n, k, 2) consecutive frames -> float, NaN with fewer than 3."""
    residuals = []
    for before, now, after in zip(points[:-2], points[1:-1], points[2:]):
        expected = (before + after) / 2
        matrix, _ = cv2.estimateAffinePartial2D(expected.astype(np.float32), now.astype(np.float32))
        if matrix is None:
            continue
        fitted = expected @ matrix[:, :2].T + matrix[:, 2]
        residuals.append(np.linalg.norm(now - fitted, axis=1).mean())
    return float(np.median(residuals) * 100) if residuals else float("nan")


def embedding_jitter(embeddings: np.ndarray) -> float:
    """Mean 1 - cosine between consecutive L2-normalised embeddings (n, d); NaN with fewer than 2."""
    if len(embeddings) < 2:
        return float("nan")
    return float(np.mean(1.0 - np.sum(embeddings[1:] * embeddings[:-1], axis=1)))
