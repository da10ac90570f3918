"""Frozen and looped pictures: a photo shown as video, a face-swap tool stuck on its last good
frame, or a short clip played over and over.

Frozen: the face region of consecutive analysed frames differs by less than FROZEN_MAX_CHANGE grey
levels on average. A live camera never does that: sensor noise and the smallest head movement
change it by more (lowest per-frame change over the 10 real dev clips: 0.33 levels; still-photo
videos: below 0.01).

Looped: a run of at least LOOP_MIN_S of moving frames matches, frame for frame, the frames a fixed
lag earlier (lags 1-30 s) within LOOP_MAX_DIFF grey levels on a 8x8 fingerprint of the face, and
far closer than consecutive frames are to each other.
"""

from __future__ import annotations

import numpy as np

from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import TrackArrays
from interview.timeline import spans_where, total_duration
from models.outputs import Segment

FROZEN_MAX_CHANGE = 0.15  # mean |grey difference| between consecutive frames, levels of 255
FROZEN_MIN_S = 1.0  # shorter stalls happen on any network call
LOOP_MIN_S = 1.0
LOOP_MAX_LAG_S = 30.0
LOOP_MAX_DIFF = 1.5  # grey levels on the 8x8 fingerprint
LOOP_RELATIVE = 0.3  # ... and below this share of the change to the previous frame
LOOP_MIN_MOTION = 0.5  # a loop must move; a still picture is "frozen", not looped
LOOP_MAJORITY = 0.45  # analysed frames fall between repeated source frames up to a third of the time
MOSTLY_FROZEN = 0.5  # share of the session frozen that makes it an alert on its own
# Rows compared at a time: the per-lag arrays of a whole session were ~160 MB at three hours
# (every lag up to 30 s is tried, each over every frame); by rows the results are the same.
CHUNK_ROWS = 8192


def frozen_spans(track: TrackArrays) -> list[Segment]:
    """Spans where the picture did not change for at least FROZEN_MIN_S."""
    still = np.nan_to_num(track.motion, nan=np.inf) < FROZEN_MAX_CHANGE
    # a frozen frame repeats the previous one: the span starts one frame earlier
    still = still | np.r_[still[1:], False]
    return spans_where(list(track.t), list(still), track.step, FROZEN_MIN_S)


def looped_spans(track: TrackArrays) -> list[tuple[Segment, float]]:
    """(span, lag seconds) of picture sequences that repeat an earlier sequence frame for frame.

    The analysed frames are a sample of the source frames, so a repeated source frame may sit one
    analysed frame off the nominal lag, or between two analysed frames of the first pass (a loop
    that is not a whole number of analysed frames long: then every repeat does). A frame counts as
    repeated when it lies on the path between the frames at lag-1 and lag, or lag and lag+1 (its
    fingerprint within the limit of their blend), and a run is a loop when at least
    LOOP_MAJORITY of its frames within each second are repeated.
    """
    n, step = len(track), track.step
    min_lag, max_lag = max(2, round(1.0 / step)), min(n - 2, round(LOOP_MAX_LAG_S / step))
    if max_lag < min_lag:
        return []
    prints = track.fingerprints
    # A repeat must be much closer than the next frame is: featureless pictures (a dark room, a
    # covered camera) have tiny fingerprint differences everywhere and are not loops.
    change = np.r_[np.inf, *(np.abs(np.diff(prints[lo:lo + CHUNK_ROWS + 1], axis=0)).mean(axis=1)
                             for lo in range(0, n - 1, CHUNK_ROWS))]
    limit = np.minimum(LOOP_MAX_DIFF, LOOP_RELATIVE * change)
    moving = np.nan_to_num(track.motion, nan=0.0) >= LOOP_MIN_MOTION
    per_second = max(1, round(1.0 / step))

    def between(lag: int) -> tuple[np.ndarray, np.ndarray]:
        """(distance of frame j to the blend of frames j-lag-1 and j-lag that is nearest to it,
        distance to frame j-lag itself), indexed by j, inf where the earlier frames do not exist."""
        nearest, exact = np.full(n, np.inf, np.float32), np.full(n, np.inf, np.float32)
        for lo in range(lag + 1, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            x, a, b = prints[lo:hi], prints[lo - lag:hi - lag], prints[lo - lag - 1:hi - lag - 1]  # frame j, j - lag, j - lag - 1
            direction = b - a
            weight = np.clip((((x - a) * direction).sum(axis=1) / np.maximum((direction ** 2).sum(axis=1), 1e-6)), 0, 1)
            nearest[lo:hi] = np.abs(x - a - weight[:, None] * direction).mean(axis=1)
            exact[lo:hi] = np.abs(x - a).mean(axis=1)
        return nearest, exact

    candidates: list[tuple[tuple[int, int], Segment, float]] = []  # ((repeated, exact-lag matches), span, lag s)
    below, _ = between(min_lag - 1)
    for lag in range(min_lag, max_lag + 1):
        here, at_lag = between(lag)
        repeated = (np.minimum(below, here) < limit) & moving
        exact = (at_lag < limit) & moving
        below = here
        if repeated.sum() * step < LOOP_MAJORITY * LOOP_MIN_S:
            continue
        share = np.convolve(repeated, np.ones(per_second) / per_second, mode="same")
        for span in spans_where(list(track.t), list(share >= LOOP_MAJORITY), step, LOOP_MIN_S):
            inside = track.window(span.start, span.end)
            candidates.append(((int(repeated[inside].sum()), int(exact[inside].sum())), span, lag * step))
    found: list[tuple[Segment, float]] = []
    for _, span, lag_s in sorted(candidates, key=lambda c: c[0], reverse=True):  # best-matching lag first
        if not any(span.overlap(seen) > 0 for seen, _ in found):
            found.append((span, lag_s))
    return sorted(found, key=lambda item: item[0].start)


def assess(track: TrackArrays, speech: tuple[Segment, ...] = ()) -> SignalResult:
    """Frozen or looped pictures, with how much of it happened while someone was speaking."""
    if len(track) < 2:
        return SignalResult("frozen", 0.0, 0.0, "Too few frames to tell whether the picture was frozen.")
    session = float(track.t[-1] - track.t[0]) + track.step
    frozen = frozen_spans(track)
    loops = looped_spans(track)
    frozen_s = total_duration(frozen)
    loop_s = total_duration([span for span, _ in loops])
    speech_frozen = sum(span.overlap(s) for span in frozen for s in speech)
    measurements = {"frozen_seconds": round(frozen_s, 2), "frozen_share": round(frozen_s / session, 3),
                    "looped_seconds": round(loop_s, 2), "frozen_while_speaking_s": round(speech_frozen, 2)}
    speaking = f", {speech_frozen:.1f} s of it while speech was heard" if speech_frozen >= 0.5 else ""
    if frozen and frozen_s / session >= MOSTLY_FROZEN:
        longest = max(frozen, key=lambda s: s.duration)
        reason = (f"The picture did not change at all for {frozen_s:.1f} s of {session:.1f} s "
                  f"({frozen_s / session:.0%}){speaking}: a live camera always shows some change.")
        return SignalResult("frozen", 0.9, 1.0, reason, measurements, longest.start, longest.end, longest.start)
    if loops:
        span, lag = max(loops, key=lambda item: item[0].duration)
        reason = (f"The frames from {span.start:.1f} to {span.end:.1f} s repeat, frame for frame, those "
                  f"{lag:.1f} s earlier: a recorded clip played in a loop.")
        return SignalResult("frozen", 0.8, 1.0, reason, measurements, span.start, span.end, span.start)
    if frozen:
        longest = max(frozen, key=lambda s: s.duration)
        reason = (f"The picture froze for {frozen_s:.1f} s in total (longest {longest.start:.1f}-{longest.end:.1f} s)"
                  f"{speaking}. Network stalls can do this; a face-swap tool stuck on its last frame too.")
        score = 0.55 if frozen_s >= 2.0 or speech_frozen >= 0.5 else 0.3
        return SignalResult("frozen", score, 1.0, reason, measurements, longest.start, longest.end, longest.start)
    return SignalResult("frozen", 0.0, 1.0, "The picture changed continuously, with no frozen or repeated frames.",
                        measurements)
