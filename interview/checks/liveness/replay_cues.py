"""Replay and print cues in the pixels: a screen or a sheet of paper held up to the camera.

Frame in the frame: a face shown on a phone, a monitor or a printed photo sits inside a straight
edged rectangle (the bezel, the video window, the paper's edge) close around it. On sampled frames,
long straight edges are searched on each side of the face: vertical ones left and right that run
past the face's centre height, horizontal ones above and below that run past its centre. Each must
be at least a face height (or width) long and within a few face sizes of it. A real room has
straight edges too (doors, shelves, desks), but rarely on all four sides, close, in most frames.
On the dev media: 4 sides in 97% of the sampled frames of tv_fake.mp4 (a replayed screen) and in
all frames of the 3 hand-held photo videos whose paper edge is in view; at most 2 sides in any
frame of the 8 real and deepfake clips.

Moire: re-filming a screen can leave a periodic pattern, a sharp peak in the face's spectrum. The
peak-to-median ratio of the high-frequency spectrum is reported; it was 11-81 on all dev media
(tv_fake.mp4 20, real clips 19-81), so its threshold sits well above every value seen and it has
not fired on any dev file.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from interview.checks.liveness.signal import SignalResult
from interview.images import picture_mask

SAMPLE_EVERY_S = 1.0
WORK_SIDE = 320  # edges are searched on a frame scaled to this longer side (cost: ~10 ms)
MAX_LINE_TILT_DEG = 12.0
MIN_SIDE_LENGTH = 1.0  # in face heights (vertical sides) or widths (horizontal sides)
MAX_SIDE_GAP_PX = 6  # an edge may break for this many pixels and still count as one line
LINE_SLACK_PX = 3.0  # a run's crossing of the face's centre line lies within a pixel of its Hough line's
SIDE_REACH = {"L": 2.5, "R": 2.5, "T": 2.5, "B": 4.0}  # how far from the face centre, in face sizes
SIDE_NEAR = {"L": 0.4, "R": 0.4, "T": 0.75, "B": 0.75}  # nearer than this, in face sizes, an edge is the head's own
ENCLOSED_SHARE = 0.5  # share of sampled frames enclosed on all four sides for an alert
PARTIAL_SHARE = 0.5  # share with three sides for a review
MOIRE_BAND = (20, 60)  # spectrum radii on a 128-px face crop
MOIRE_PEAK = 150.0


@dataclass(frozen=True)
class ReplaySample:
    t: float
    sides: str  # which of "LRTB" have a straight edge close around the face
    moire: float


def _runs_along(edges: np.ndarray, rho: float, theta: float, min_length: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The edge runs along one Hough line at least `min_length` long, as (start point, end point) in
    pixels (a line holds hundreds of short runs: they are dropped here, not one by one in Python)."""
    height, width = edges.shape
    c, s = np.cos(theta), np.sin(theta)
    steps = np.arange(-(height + width), height + width)
    xs = np.round(c * rho - steps * s).astype(int)
    ys = np.round(s * rho + steps * c).astype(int)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    xs, ys = xs[inside], ys[inside]
    on = np.flatnonzero(edges[ys, xs])
    if len(on) == 0:
        return []
    breaks = np.flatnonzero(np.diff(on) > MAX_SIDE_GAP_PX)
    starts, ends = np.r_[on[0], on[breaks + 1]], np.r_[on[breaks], on[-1]]
    dx, dy = (xs[ends] - xs[starts]).astype(float), (ys[ends] - ys[starts]).astype(float)
    long = np.sqrt(dx * dx + dy * dy) >= min_length
    return [(np.array([xs[a], ys[a]], float), np.array([xs[b], ys[b]], float)) for a, b in zip(starts[long], ends[long])]


def _side_at(at: float, vertical: bool, box: tuple[float, float, float, float]) -> tuple[str, float, float]:
    """The side of the face an edge crossing its centre row (vertical edges) or centre column at
    `at` lies on, its distance from the centre, and the face size that distance is judged in."""
    x, y, w, h = box
    if vertical:
        cx = x + w / 2
        return ("L", cx - at, w) if at < cx else ("R", at - cx, w)
    cy = y + h / 2
    return ("T", cy - at, h) if at < cy else ("B", at - cy, h)


def _closes(side: str, distance: float, size: float, slack: float = 0.0) -> bool:
    """Whether an edge that far from the face's centre may close that side of it."""
    return SIDE_NEAR[side] * size - slack < distance <= SIDE_REACH[side] * size + slack


def _side_of(rho: float, theta: float, vertical: bool, box: tuple[float, float, float, float]) -> str | None:
    """The side of the face a Hough line could close, from where the whole line crosses the face's
    centre row (vertical) or column: None when no run along it can count. Each run's own crossing
    is measured between its rounded end points, within a pixel of the line's: LINE_SLACK_PX keeps
    every line that may count."""
    x, y, w, h = box
    if vertical:
        at = (rho - (y + h / 2) * np.sin(theta)) / np.cos(theta)
    else:
        at = (rho - (x + w / 2) * np.cos(theta)) / np.sin(theta)
    side, distance, size = _side_at(at, vertical, box)
    return side if _closes(side, distance, size, LINE_SLACK_PX) else None


def enclosing_sides(image: np.ndarray, box: tuple[float, float, float, float]) -> str:
    """Which sides of the face ("LRTB") have a long straight edge close around it."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    grey = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(grey, 20, 60), np.ones((3, 3), np.uint8))
    lines = cv2.HoughLines(edges, 1, np.pi / 180, threshold=int(MIN_SIDE_LENGTH * min(w, h)))
    found = set()
    if lines is None:
        return ""
    for rho, theta in lines.reshape(-1, 2)[:200]:
        angle = np.degrees(theta) % 180
        vertical = angle < MAX_LINE_TILT_DEG or angle > 180 - MAX_LINE_TILT_DEG
        if not vertical and abs(angle - 90) >= MAX_LINE_TILT_DEG:
            continue
        side = _side_of(rho, theta, vertical, box)
        if side is None or side in found:  # no run along it could add a side (most lines of a room)
            continue
        for a, b in _runs_along(edges, rho, theta, MIN_SIDE_LENGTH * (h if vertical else w)):
            if vertical and min(a[1], b[1]) < cy < max(a[1], b[1]):
                at = a[0] + (b[0] - a[0]) * (cy - a[1]) / ((b[1] - a[1]) or 1)
            elif not vertical and min(a[0], b[0]) < cx < max(a[0], b[0]):
                at = a[1] + (b[1] - a[1]) * (cx - a[0]) / ((b[0] - a[0]) or 1)
            else:
                continue
            side, distance, size = _side_at(at, vertical, box)
            if _closes(side, distance, size):
                found.add(side)
    return "".join(s for s in "LRTB" if s in found)


def moire_peak(image: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """Peak-to-median ratio of the face crop's high-frequency spectrum (a periodic pattern peaks)."""
    x, y, w, h = (int(v) for v in box)
    crop = image[max(0, y):y + h, max(0, x):x + w]
    if crop.shape[0] < 16 or crop.shape[1] < 16:
        return float("nan")
    grey = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32)
    window = np.outer(np.hanning(128), np.hanning(128))
    magnitude = np.abs(np.fft.fftshift(np.fft.fft2((grey - grey.mean()) * window)))
    yy, xx = np.mgrid[-64:64, -64:64]
    radius = np.hypot(yy, xx)
    band = magnitude[(radius > MOIRE_BAND[0]) & (radius < MOIRE_BAND[1])]
    return float(band.max() / max(np.median(band), 1e-9))


def picture_area(image: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    """Top-left and bottom-right corners of the picture inside flat letterbox or pillarbox bars
    (a portrait phone video in a landscape call): a bar's edge is the recording's, not a screen's
    bezel (vr_face3 pillarboxed had three such sides in 80% of its frames)."""
    inside = picture_mask(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32))
    rows, columns = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if not rows.size or not columns.size:
        return (0, 0), (image.shape[1], image.shape[0])
    return (int(columns[0]), int(rows[0])), (int(columns[-1]) + 1, int(rows[-1]) + 1)


def frame_cues(t: float, image: np.ndarray, box: tuple[float, float, float, float]) -> ReplaySample:
    """Edges are searched in the part of the picture they may lie in (SIDE_REACH around the face),
    scaled to WORK_SIDE: a face of any size is seen at the same scale, so a phone held up small in
    front of the camera (a face of 25 px in the analysed picture) is searched as closely as a
    close-up, at the same bounded cost."""
    x, y, w, h = box
    reach = max(SIDE_REACH.values()) + 0.5
    (px0, py0), (px1, py1) = picture_area(image)
    x0, y0 = max(px0, int(x + w / 2 - reach * w)), max(py0, int(y + h / 2 - reach * h))
    x1, y1 = min(px1, int(x + w / 2 + reach * w)), min(py1, int(y + h / 2 + reach * h))
    region = image[y0:y1, x0:x1]
    scale = WORK_SIDE / max(region.shape[:2])
    work = cv2.resize(region, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    sides = enclosing_sides(work, ((x - x0) * scale, (y - y0) * scale, w * scale, h * scale))
    return ReplaySample(t, sides, moire_peak(image, box))


def assess(samples: list[ReplaySample]) -> SignalResult:
    if len(samples) < 4:
        return SignalResult("replay", 0.0, 0.0, "Too few frames with a face to look for a screen or paper edge.",
                            {"replay_score": None})
    counts = np.array([len(s.sides) for s in samples])
    moire = np.array([s.moire for s in samples])
    enclosed, three = float(np.mean(counts == 4)), float(np.mean(counts >= 3))
    moire_share = float(np.mean(moire > MOIRE_PEAK))
    score = 0.0
    if enclosed >= ENCLOSED_SHARE:
        score = 0.75
    elif three >= PARTIAL_SHARE or moire_share >= 0.5:
        score = 0.5
    measurements = {"replay_score": round(score, 2), "enclosed_share": round(enclosed, 3),
                    "three_sided_share": round(three, 3), "moire_peak_median": round(float(np.nanmedian(moire)), 1),
                    "replay_samples": len(samples)}
    confidence = min(1.0, len(samples) / 20)
    best = max(samples, key=lambda s: (len(s.sides), s.moire))
    if score == 0.0:
        return SignalResult("replay", 0.0, confidence,
                            f"No screen or paper edge around the face (all four sides in {enclosed:.0%} of "
                            f"{len(samples)} sampled frames) and no moire.", measurements)
    if enclosed >= ENCLOSED_SHARE or three >= PARTIAL_SHARE:
        where = {"L": "left", "R": "right", "T": "above", "B": "below"}
        sides = ", ".join(where[s] for s in best.sides)
        reason = (f"The face sits inside a straight-edged frame ({sides}) in {max(enclosed, three):.0%} of "
                  f"{len(samples)} sampled frames, like the edge of a screen, a video window or a printed photo. "
                  "Look at the marked frame for a bezel or paper edge.")
    else:
        reason = (f"A periodic pattern (moire, peak {np.nanmedian(moire):.0f}x the spectrum median) covers the face "
                  "in most sampled frames, as when a screen is filmed.")
    return SignalResult("replay", score, confidence, reason, measurements, samples[0].t, samples[-1].t, best.t)
