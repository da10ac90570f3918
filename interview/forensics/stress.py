"""Behaviour under stress: real-time swaps break down in profile views and when a hand covers the
face (the swap model was trained on frontal, unoccluded faces). We compare the per-frame artifact
score in stressed frames with the same person's frontal frames; a real face scores about the same.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# A stress response: does the face keep its identity through a profile turn the interviewer asked
# for? A real head seen at 30-45 degrees still embeds close to its own frontal face (tv_real.mp4:
# cosine 0.73-0.80 to its frontal mean up to 44 degrees of yaw); a swap painted from a frontal photo
# stretches at profile and mixes with the real ear, jaw and hair (generated swaps of the same turn,
# at 128/256 px, with and without smoothing, freezing or pasting: 0.46-0.67). Steep pitch is not
# used: a genuine head looking down 30 degrees fell to 0.10 (jm_real_1.mp4).
TURN_KINDS = ("turn_left", "turn_right")
STRESS_WINDOW_S = 6.0  # the move is looked for this long after the request
IDENTITY_KEPT = 0.70  # median cosine to the frontal face below which the turn changed the identity
FRONTAL_DEG = 10.0
MIN_EMBEDDINGS = 2


@dataclass(frozen=True)
class PosedEmbedding:
    """An identity embedding of the main face with the head pose it was taken at."""

    t: float
    embedding: np.ndarray
    yaw: float
    pitch: float


@dataclass(frozen=True)
class StressResponse:
    """How the face held up through one requested move: `passed` None when the move was not seen."""

    kind: str
    asked_s: float
    passed: bool | None
    similarity: float  # median cosine of the turned face to the frontal face
    worst_t: float | None  # the turned frame least like the frontal face (the evidence frame)
    reason: str


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def identity_through_turn(kind: str, asked_s: float, posed: list[PosedEmbedding]) -> StressResponse:
    """Compare the face turned to a profile after the request with the same session's frontal face
    (anywhere in the session: the frames before the turn are usually the nearest)."""
    end = asked_s + STRESS_WINDOW_S
    frontal = [p for p in posed if abs(p.yaw) < FRONTAL_DEG and abs(p.pitch) < FRONTAL_DEG]
    turned = [p for p in posed if asked_s <= p.t <= end and abs(p.yaw) >= PROFILE_YAW_DEG
              and abs(p.pitch) < STEEP_PITCH_DEG]
    if len(frontal) < MIN_EMBEDDINGS or len(turned) < MIN_EMBEDDINGS:
        return StressResponse(kind, asked_s, None, float("nan"), None,
                              f"{kind} at {asked_s:.1f}s: too few frontal or profile views to compare identities")
    reference = _unit(_unit(np.array([p.embedding for p in frontal])).mean(0))
    cosines = _unit(np.array([p.embedding for p in turned])) @ reference
    similarity = float(np.median(cosines))
    worst = turned[int(np.argmin(cosines))]
    if similarity >= IDENTITY_KEPT:
        return StressResponse(kind, asked_s, True, similarity, worst.t,
                              f"{kind} at {asked_s:.1f}s: the face kept its identity at profile "
                              f"(similarity {similarity:.2f} to the frontal face)")
    return StressResponse(kind, asked_s, False, similarity, worst.t,
                          f"{kind} at {asked_s:.1f}s: the face changed at profile: similarity {similarity:.2f} "
                          f"to the same session's frontal face (a real head keeps {IDENTITY_KEPT:.2f} or more; "
                          f"a face swap painted from a frontal photo stretches and mixes with the real head). "
                          f"Compare the frame at {worst.t:.1f}s with a frontal one")
