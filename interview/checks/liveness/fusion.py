"""How the liveness signals become one risk: explicit rules, no learned weights.

Each signal scores itself on the shared scale (review >= 0.4, alert >= 0.7):
  frozen        whole session mostly frozen 0.9; a looped clip 0.8; frozen >= 2 s (or while speech
                was heard) 0.55; a shorter freeze 0.3
  planar_motion turned head moved like a flat picture (parallax ratio < 0.35) 0.85; < 0.6 0.5
  static_face   the face never changed shape in >= 80% of 5-s windows 0.8
  replay        a straight-edged frame on all four sides in >= half the sampled frames 0.75;
                three sides, or moire, in >= half 0.5
  blinks        no blink in >= 30 s of frontal face 0.45; metronome-regular blinking 0.4
  pulse         never raises risk: found, it supports liveness; absent, it lowers confidence
  challenges    one failed 0.5, two or more 0.75; every answer slow (>= 2 answers) 0.45
Signals at review level or above are independent pieces of evidence and combine like
independent probabilities: risk = 1 - prod(1 - score). Weaker ones only count alone (the largest).
Alert needs corroboration (checks.base.corroborated): two signals at review level or above, or
decisive evidence on its own (a failed challenge, a clip in a loop); any other single signal,
however strong, stays at review.
Confidence is the mean confidence of the signals that could measure anything.
"""

from __future__ import annotations

import numpy as np

from interview.checks.base import REVIEW_RISK, corroborated
from interview.checks.liveness.challenges import ChallengeResult, is_slow
from interview.checks.liveness.signal import SignalResult

ONE_FAILED, MANY_FAILED, ALL_SLOW = 0.5, 0.75, 0.45


def challenge_signal(results: list[ChallengeResult]) -> SignalResult | None:
    """The challenges as one signal: failures, and responses that are slow every time."""
    if not results:
        return None
    failed = [r for r in results if r.passed is False]
    answered = [r for r in results if r.response_ms is not None and r.passed]
    checked = [r for r in results if r.passed is not None]
    measurements = {"challenges_checked": len(checked), "challenges_failed": len(failed),
                    "median_response_ms": int(np.median([r.response_ms for r in answered])) if answered else None}
    confidence = min(1.0, len(checked) / 2)
    if failed:
        names = "; ".join(f"{r.kind.split(':')[0]} at {r.asked_s:.1f} s: {r.detail}" for r in failed)
        score = MANY_FAILED if len(failed) >= 2 else ONE_FAILED
        reason = f"{len(failed)} of {len(checked)} challenges failed ({names})."
        return SignalResult("challenges", score, confidence, reason, measurements, failed[0].asked_s,
                            failed[-1].asked_s, failed[0].evidence_t or failed[0].asked_s)
    if len(answered) >= 2 and all(is_slow(r) for r in answered):
        reason = (f"Every challenge was answered late (median {measurements['median_response_ms']} ms after the "
                  "request): a relay or a real-time face swap adds delay to every response.")
        return SignalResult("challenges", ALL_SLOW, confidence, reason, measurements, answered[0].asked_s,
                            answered[-1].asked_s, answered[0].onset_s)
    return SignalResult("challenges", 0.0, confidence,
                        f"{len(checked) - len(failed)} of {len(checked)} challenges passed.", measurements)


def combined_risk(signals: list[SignalResult]) -> float:
    strong = [s for s in signals if s.score >= REVIEW_RISK]
    if not strong:
        return max((s.score for s in signals), default=0.0)
    risk = float(1 - np.prod([1 - s.score for s in strong]))
    return corroborated(risk, len(strong), decisive=any(map(_decisive, strong)))


def _decisive(signal: SignalResult) -> bool:
    """Evidence no live camera produces by accident: a failed challenge, or frames that repeat a
    stretch of the call frame for frame (a clip in a loop). A frozen picture is not: webcams and
    connections freeze."""
    if signal.name == "challenges":
        return bool(signal.measurements.get("challenges_failed"))
    return signal.name == "frozen" and bool(signal.measurements.get("looped_seconds"))


def confidence(signals: list[SignalResult]) -> float:
    measured = [s.confidence for s in signals if s.confidence > 0]
    return float(np.mean(measured)) if measured else 0.0
