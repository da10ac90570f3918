"""Blinks from the eye-blink blendshapes: how many, and how regular.

A blink is a short rise of mean(eyeBlinkLeft, eyeBlinkRight) above the person's own resting level
(a rolling median: narrow or downcast eyes rest at 0.2, wide ones near 0): at least BLINK_RISE above
it, peaking at BLINK_PEAK or more, and back within BLINK_MAX_S (longer closures are not blinks).
Only frontal frames count, and a rise while the head pitches is a nod, not a blink.

People blink about 10-20 times a minute in conversation (fewer when reading a screen), at
irregular intervals. No blink in NO_BLINK_S of frontal face, or intervals as regular as a
metronome, are suspicious (a photo, a puppet, a looped or synthetic face) but not proof.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter

from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import TrackArrays

BLINK_RISE = 0.2
BLINK_PEAK = 0.4
BLINK_MAX_S = 0.7
BASELINE_S = 3.0
NOD_DEG = 8.0  # pitch change within a blink beyond which it is a nod
NO_BLINK_S = 30.0
REGULAR_CV = 0.15  # coefficient of variation of intervals below which blinking is mechanical
REGULAR_MIN_BLINKS = 6


@dataclass(frozen=True)
class Blink:
    start: float
    peak_t: float
    end: float
    peak: float


def find_blinks(track: TrackArrays, t0: float = -np.inf, t1: float = np.inf) -> list[Blink]:
    """Blinks whose peak falls in [t0, t1), seen on frontal frames."""
    frontal = track.frontal
    if frontal.sum() < 3:
        return []
    t, score, pitch = track.t[frontal], track.blink[frontal], track.pitch[frontal]
    size = max(3, int(round(BASELINE_S / track.step)) | 1)
    baseline = median_filter(score, size=size, mode="nearest")
    rise = score - baseline
    up = rise >= BLINK_RISE / 2  # the blink's extent: half the required rise
    edges = np.flatnonzero(np.diff(np.r_[0, up.astype(np.int8), 0]))
    blinks = []
    for first, stop in zip(edges[::2], edges[1::2]):
        span = slice(max(0, first - 1), min(len(t), stop + 1))
        peak = first + int(np.argmax(score[first:stop]))
        long = t[stop - 1] - t[first] > BLINK_MAX_S
        nod = np.ptp(pitch[span]) > NOD_DEG
        if rise[peak] >= BLINK_RISE and score[peak] >= BLINK_PEAK and not long and not nod and t0 <= t[peak] < t1:
            blinks.append(Blink(float(t[first]), float(t[peak]), float(t[stop - 1]), float(score[peak])))
    return blinks


def _longest_gap(times: np.ndarray, blinks: list[Blink], step: float) -> tuple[float, float, float]:
    """(seconds, start, end) of the longest frontal stretch without a blink; gaps in the frontal
    view longer than 2 s split stretches (the face was turned away or absent)."""
    cuts = np.r_[times[0], times[np.flatnonzero(np.diff(times) > 2.0) + 1]]
    ends = np.r_[times[np.flatnonzero(np.diff(times) > 2.0)], times[-1]]
    best = (0.0, float(times[0]), float(times[0]))
    for a, b in zip(cuts, ends):
        marks = [a] + [blink.peak_t for blink in blinks if a <= blink.peak_t <= b] + [b + step]
        for x, y in zip(marks[:-1], marks[1:]):
            if y - x > best[0]:
                best = (float(y - x), float(x), float(y))
    return best


def assess(track: TrackArrays) -> SignalResult:
    frontal = track.frontal
    frontal_s = track.duration(frontal)
    if frontal_s < 5.0:
        return SignalResult("blinks", 0.0, 0.0, f"Only {frontal_s:.1f} s of frontal face: too little to count blinks.",
                            {"frontal_seconds": round(frontal_s, 1)})
    blinks = find_blinks(track)
    rate = len(blinks) / frontal_s * 60
    gap, gap_start, gap_end = _longest_gap(track.t[frontal], blinks, track.step)
    intervals = np.diff([b.peak_t for b in blinks])
    cv = float(np.std(intervals) / np.mean(intervals)) if len(intervals) >= 2 else None
    measurements = {"blink_count": len(blinks), "blinks_per_minute": round(rate, 1),
                    "frontal_seconds": round(frontal_s, 1), "longest_without_blink_s": round(gap, 1),
                    "interval_cv": None if cv is None else round(cv, 3),
                    "blink_times": [round(b.peak_t, 2) for b in blinks]}
    confidence = min(1.0, frontal_s / 60.0)
    if gap >= NO_BLINK_S:
        reason = (f"No blink for {gap:.0f} s of frontal face ({gap_start:.1f}-{gap_end:.1f} s); "
                  "people blink every few seconds. Watch the eyes in that span.")
        return SignalResult("blinks", 0.45, confidence, reason, measurements, gap_start, gap_end, (gap_start + gap_end) / 2)
    if cv is not None and len(blinks) >= REGULAR_MIN_BLINKS and cv < REGULAR_CV:
        reason = (f"{len(blinks)} blinks at nearly constant intervals ({np.mean(intervals):.1f} s, varying only "
                  f"{cv:.0%}); natural blinking is irregular.")
        return SignalResult("blinks", 0.4, confidence, reason, measurements, blinks[0].start, blinks[-1].end,
                            blinks[0].peak_t)
    reason = (f"{len(blinks)} blinks in {frontal_s:.0f} s of frontal face ({rate:.0f} per minute), "
              f"longest stretch without one {gap:.0f} s.")
    return SignalResult("blinks", 0.0, confidence, reason, measurements)
