"""Is the face a three-dimensional head, and does it ever change shape?

Parallax: when a real head turns, the nose moves across the cheeks; when a photo or a screen is
tilted, every point moves by one homography. For pairs of frames whose head rotation differs by
at least MIN_TURN_DEG, a homography is fitted to the rigid landmarks of one frame onto the other and
its residual is compared with the residual a real head would give for that rotation (the first
frame's own 3-D landmarks rotated by the measured rotation). A real head gives a ratio near 1
(0.8-1.2 on the 5 real dev clips that turn); a flat picture gives near 0.

Deformation: over each DEFORM_WINDOW_S window, how far the expression points (lips, lids, brows,
chin) move once the rigid motion is removed, and how much the expression blendshapes vary. A photo
moved by hand keeps both at landmark noise; people who talk or blink move far more. Per 5-s window
on the dev media: expression residual (95th percentile, % of the eye distance) 1.0-2.5 on the 4
hand-held photo videos vs 3.0-29 on the 8 real and deepfake clips of 5 s or more; blendshape spread
(2-98 percentile, summed) 0.25-0.61 vs 0.91-4.6. A window is static when both are below thresholds
set between the two groups; the signal fires only when most of the session is static, since a
listener may sit still for a few seconds.
"""

from __future__ import annotations

import cv2
import numpy as np

from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import TrackArrays

MIN_TURN_DEG = 12.0
MAX_PAIRS = 400
PLANAR_RATIO = 0.35  # observed / expected residual below this: moved like a flat picture
WEAK_RATIO = 0.6
MIN_PAIRS = 5

DEFORM_WINDOW_S = 5.0
STATIC_RESIDUAL_PCT = 2.75  # 95th percentile of expression residual, % of the eye distance
STATIC_SPREAD = 0.75  # sum over expression blendshapes of their 2-98 percentile spread
MOSTLY_STATIC = 0.8  # share of static windows that makes it an alert


def rotation_angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees of the rotation taking a to b, for stacks of 3x3 rotations."""
    relative = b @ np.swapaxes(a, -1, -2)
    cos = (np.trace(relative, axis1=-2, axis2=-1) - 1) / 2
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def homography_residual(src: np.ndarray, dst: np.ndarray) -> float:
    """RMS distance (pixels) between dst and src mapped by the least-squares homography src -> dst."""
    matrix, _ = cv2.findHomography(src.astype(np.float64), dst.astype(np.float64), 0)
    if matrix is None:
        return float("nan")
    mapped = cv2.perspectiveTransform(src[None].astype(np.float64), matrix)[0]
    return float(np.sqrt(np.mean(np.sum((mapped - dst) ** 2, axis=1))))


def expected_residual(points: np.ndarray, rotation: np.ndarray) -> float:
    """The homography residual a rigid 3-D head (these landmarks, x y z) would show after this rotation."""
    centred = points - points.mean(axis=0)
    return homography_residual(centred[:, :2], (centred @ rotation.T)[:, :2])


def turn_angles(track: TrackArrays, t0: float = -np.inf, t1: float = np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference rows, rows, angles): each face row in [t0, t1) with its rotation away from the
    nearest-in-time frontal reference (a row among the most frontal 20%, or within 5 degrees)."""
    face = np.flatnonzero(track.has_face)
    empty = np.zeros(0, int)
    if len(face) < 2:
        return empty, empty, np.zeros(0)
    tilt = np.hypot(track.yaw[face], track.pitch[face])
    references = face[tilt <= max(np.percentile(tilt, 20), 5.0)]
    rows = face[(track.t[face] >= t0) & (track.t[face] < t1)]
    if len(rows) == 0:
        return empty, empty, np.zeros(0)
    ref_t = track.t[references]
    after = np.clip(np.searchsorted(ref_t, track.t[rows]), 1, len(references) - 1) if len(references) > 1 else np.zeros(len(rows), int)
    before = np.maximum(after - 1, 0)
    closer = np.abs(ref_t[before] - track.t[rows]) <= np.abs(ref_t[after] - track.t[rows])
    nearest = references[np.where(closer, before, after)]
    return nearest, rows, rotation_angle(track.rotation[nearest], track.rotation[rows])


def parallax_pairs(track: TrackArrays, t0: float = -np.inf, t1: float = np.inf) -> list[tuple[int, int, float, float, float]]:
    """(reference row, turned row, angle, observed residual, expected residual) for the frames in
    [t0, t1) turned by at least MIN_TURN_DEG from their frontal reference."""
    nearest, candidates, angles = turn_angles(track, t0, t1)
    turned = np.flatnonzero(angles >= MIN_TURN_DEG)
    if len(turned) > MAX_PAIRS:
        turned = turned[np.linspace(0, len(turned) - 1, MAX_PAIRS).astype(int)]
    pairs = []
    for k in turned:
        ref, cur = int(nearest[k]), int(candidates[k])
        relative = track.rotation[cur] @ track.rotation[ref].T
        observed = homography_residual(track.rigid[ref, :, :2], track.rigid[cur, :, :2])
        expected = expected_residual(track.rigid[ref].astype(np.float64), relative)
        if np.isfinite(observed) and expected > 0:
            pairs.append((ref, cur, float(angles[k]), observed, expected))
    return pairs


def parallax_ratio(pairs: list[tuple[int, int, float, float, float]]) -> float:
    return float(np.median([obs / exp for _, _, _, obs, exp in pairs])) if pairs else float("nan")


def assess_parallax(track: TrackArrays) -> SignalResult:
    pairs = parallax_pairs(track)
    if len(pairs) < MIN_PAIRS:
        face = np.flatnonzero(track.has_face)
        most_frontal = face[np.argmin(np.hypot(track.yaw[face], track.pitch[face]))] if len(face) else None
        max_turn = (float(rotation_angle(track.rotation[most_frontal], track.rotation[face]).max())
                    if most_frontal is not None else 0.0)
        return SignalResult("planar_motion", 0.0, 0.0,
                            f"The head hardly turned (at most {max_turn:.0f} degrees from its most frontal view; "
                            f"3-D shape needs turns of {MIN_TURN_DEG:.0f} degrees or more): ask for a head turn.",
                            {"planarity_ratio": None, "turned_frames": len(pairs), "max_turn_deg": round(max_turn, 1)})
    ratio = parallax_ratio(pairs)
    ref, cur, angle, observed, expected = max(pairs, key=lambda p: p[2])
    eye = float(track.eye_distance[ref])
    measurements = {"planarity_ratio": round(ratio, 3), "turned_frames": len(pairs),
                    "max_turn_deg": round(max(p[2] for p in pairs), 1)}
    confidence = min(1.0, len(pairs) / 30)
    detail = (f"Head turned {angle:.0f} degrees at {track.t[cur]:.1f} s; its landmarks left a flat-picture fit by "
              f"{observed / eye:.1%} of the eye distance where a real head leaves {expected / eye:.1%} "
              f"(median ratio over {len(pairs)} turned frames {ratio:.2f}; a real head is about 1)")
    if ratio < PLANAR_RATIO:
        return SignalResult("planar_motion", 0.85, confidence, detail + ": the face moved like a flat picture.",
                            measurements, float(track.t[ref]), float(track.t[cur]), float(track.t[cur]))
    if ratio < WEAK_RATIO:
        return SignalResult("planar_motion", 0.5, confidence, detail + ": flatter than a real head.",
                            measurements, float(track.t[ref]), float(track.t[cur]), float(track.t[cur]))
    return SignalResult("planar_motion", 0.0, confidence, detail + ": moves like a real 3-D head.", measurements)


def _window_deformation(track: TrackArrays, rows: np.ndarray) -> tuple[float, float]:
    """(95th percentile expression residual in % of eye distance, blendshape spread) of these rows."""
    ref = rows[len(rows) // 2]
    residuals = []
    for row in rows[::max(1, len(rows) // 30)]:  # 30 fits per window are plenty for a percentile
        matrix, _ = cv2.findHomography(track.rigid[row, :, :2].astype(np.float64),
                                       track.rigid[ref, :, :2].astype(np.float64), 0)
        if matrix is None:
            continue
        mapped = cv2.perspectiveTransform(track.expression[row][None].astype(np.float64), matrix)[0]
        residuals.append(np.sqrt(np.mean(np.sum((mapped - track.expression[ref]) ** 2, axis=1))))
    shapes = track.shapes[rows]
    spread = float(np.sum(np.percentile(shapes, 98, axis=0) - np.percentile(shapes, 2, axis=0)))
    return float(np.percentile(residuals, 95) / track.eye_distance[ref] * 100) if residuals else np.nan, spread


def assess_deformation(track: TrackArrays) -> SignalResult:
    """Windows of DEFORM_WINDOW_S of face in which nothing but rigid motion happened."""
    face = np.flatnonzero(track.has_face)
    per_window = max(3, int(round(DEFORM_WINDOW_S / track.step)))
    if len(face) < per_window:
        return SignalResult("static_face", 0.0, 0.0,
                            f"Less than {DEFORM_WINDOW_S:.0f} s of face: too little to judge its movement.",
                            {"static_share": None})
    windows = [face[i:i + per_window] for i in range(0, len(face) - per_window + 1, max(1, per_window // 2))]
    stats = np.array([_window_deformation(track, rows) for rows in windows])
    static = (stats[:, 0] < STATIC_RESIDUAL_PCT) & (stats[:, 1] < STATIC_SPREAD)
    share = float(static.mean())
    measurements = {"static_share": round(share, 3), "expression_residual_pct": round(float(np.nanmedian(stats[:, 0])), 2),
                    "expression_spread": round(float(np.median(stats[:, 1])), 3)}
    confidence = min(1.0, len(windows) / 4)
    if share >= MOSTLY_STATIC:
        rows = windows[int(np.argmax(static))]
        t0, t1 = float(track.t[rows[0]]), float(track.t[rows[-1]])
        reason = (f"For {share:.0%} of the time the face never changed shape: no blink, no mouth or brow movement "
                  f"(lips and lids moved {np.nanmedian(stats[static, 0]):.1f}% of the eye distance beyond the head's "
                  f"rigid motion; people who talk or blink move 3% or more). A photo or a mask does this.")
        return SignalResult("static_face", 0.8, confidence, reason, measurements, t0, t1, (t0 + t1) / 2)
    return SignalResult("static_face", 0.0, confidence,
                        f"The face changed expression (mouth, lids, brows) in {1 - share:.0%} of the "
                        f"{DEFORM_WINDOW_S:.0f}-second windows.", measurements)
