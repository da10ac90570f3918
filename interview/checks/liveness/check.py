"""Liveness: is a live three-dimensional person in front of the camera right now, rather than a
photo, a screen replay, a looped or frozen video, or a puppet?

No trained anti-spoofing model ships offline, so the check runs several independent, explainable
signals (`interview.checks.liveness`) and the active challenges (`interview.checks.liveness.challenges`), and fuses them
by the documented rules of `interview.checks.liveness.fusion`. Coverage is the share of analysed frames
with a usable face (roughly facing the camera: both eyes visible); with less than MIN_FACE_S of
usable face no signal can judge, and the status is "insufficient" whatever the coverage.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from interview.checks.base import Check, CheckResult, Finding, SessionContext, SessionInputs, Signal, status_for
from interview.checks.liveness import blinks, frozen, fusion, planarity, replay_cues, rppg
from interview.checks.liveness.challenges import ChallengeResult, in_hand_window, label_of, settled, verify
from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import FaceTrack, TrackArrays
from interview.config import AnalysisConfig
from interview.face_landmarks import LIVENESS_USABLE_POSE
from interview.observations import Frame, FrameObservation
from interview.timeline import seconds
from interview.wording import lower_first

MIN_FACE_S = 3.0


class LivenessCheck(Check):
    name = "liveness"
    label = "Liveness"
    question = "Is a live person in front of the camera, not a photo, mask or replay?"
    reassurance = "no signs of a photo, mask or replay"
    concern = "signs of a photo, screen or replay"
    headline_rank = 1
    next_steps = {
        "challenges": "Ask for the same challenge again, slowly, and watch the response: a person can do it, "
                      "a photo or replay cannot.",
        None: "Ask for a turn-left challenge: a live head turns 35 degrees, a photo or a replayed video cannot.",
    }

    def __init__(self, config: AnalysisConfig, inputs: SessionInputs):
        super().__init__(config, inputs)
        self.track = FaceTrack()
        self.replay: list[replay_cues.ReplaySample] = []
        self._next_replay_t = float("-inf")

    def wants_hands(self, t: float) -> bool:
        return in_hand_window(self.challenges, t)

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        self.track.add(obs, frame)
        face = obs.face
        if face is not None and obs.t >= self._next_replay_t:
            self.replay.append(replay_cues.frame_cues(obs.t, frame.image, face.box))
            self._next_replay_t = obs.t + replay_cues.SAMPLE_EVERY_S
        self.frames.offer(obs.t, frame.image, face.box if face is not None else None)

    def assess(self, ctx: SessionContext) -> CheckResult:
        since = ctx.since_s or 0.0

        def rows() -> TrackArrays:
            """Each signal reads its own columns, dropped when it returns: at three hours all of
            them together are ~190 MB, the landmarks the planar-motion signals read ~110."""
            return self.track.arrays() if not since else self.track.arrays_since(since)

        track = rows()
        challenges = [settled(verify(mark, track, self.track.hands, ctx.audio), ctx.seen_until_s)
                      for mark in self.challenges if mark.asked_s >= since]
        signals = [frozen.assess(rows(), ctx.audio.speech), planarity.assess_parallax(rows()),
                   planarity.assess_deformation(rows()), replay_cues.assess([r for r in self.replay if r.t >= since]),
                   blinks.assess(rows()), rppg.assess(rows())]
        challenge_signal = fusion.challenge_signal(challenges)
        if challenge_signal is not None:
            signals.append(challenge_signal)
        risk = fusion.combined_risk(signals)
        coverage = usable_share(track)
        usable_s = coverage * len(track) * track.step
        status = status_for(risk, coverage) if usable_s >= MIN_FACE_S else "insufficient"
        failed = [c for c in challenges if c.passed is False]
        findings = [self._finding(s) for s in signals if s.score > 0 and not (s.name == "challenges" and failed)]
        findings += [self._challenge_finding(c) for c in failed]  # one each, instead of the summary
        measurements = {
            "liveness": {"confidence": round(fusion.confidence(signals), 3),
                         **_flat_measurements(signals),
                         "signals": {s.name: s.to_dict() for s in signals}},
            "challenges": [c.to_dict() for c in challenges],
        }
        findings = [replace(f, risk=min(f.risk, risk)) for f in findings]  # none outranks its check
        return CheckResult(self.name, status, risk, coverage, sorted(findings, key=lambda f: -f.risk), measurements,
                           [_reading(s) for s in signals])

    def _finding(self, signal: SignalResult) -> Finding:
        t0 = signal.t0 if signal.t0 is not None else 0.0
        t1 = signal.t1 if signal.t1 is not None else t0
        return Finding(t0, t1, signal.score, signal.reason, None, signal.name,
                       self.frames.ref_near(signal.evidence_t, f"liveness_{signal.name}", signal.name))

    def _challenge_finding(self, result: ChallengeResult) -> Finding:
        kind = result.kind.split(":")[0]
        evidence = self.frames.ref_near(result.evidence_t or result.asked_s,
                                        f"liveness_challenge_{kind}_{result.asked_s:.1f}s", f"{kind} failed")
        return Finding(result.asked_s, result.asked_s + 1.0, fusion.ONE_FAILED,
                       f"Challenge '{label_of(result.kind)}' asked at {seconds(result.asked_s)} failed: {result.detail}.",
                       None, "challenges", evidence)

    @classmethod
    def describe(cls, result: dict, measurements: dict, top: dict | None) -> tuple[str, str] | None:
        """How many live challenges were passed tells the story when any were asked."""
        challenges = measurements.get("challenges") or []
        passed = sum(1 for c in challenges if c.get("passed"))
        if challenges and (passed < len(challenges) or top is None):
            text = f"responded to {passed} of {len(challenges)} live challenges"
            return text, text + (f"; {lower_first(top['reason'])}" if top is not None else "")
        return None

    @classmethod
    def cautions(cls, summary: dict) -> list[str]:
        if summary.get("challenges_asked"):
            return []
        return ["No active challenge (turn the head, cover the face) was asked: liveness rests on passive signs."]


def usable_share(track: TrackArrays) -> float:
    """Share of analysed frames with a face roughly facing the camera."""
    if len(track) == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        usable = (track.has_face & (np.abs(track.yaw) <= LIVENESS_USABLE_POSE.yaw)
                  & (np.abs(track.pitch) <= LIVENESS_USABLE_POSE.pitch))
    return float(usable.mean())


# The raw value each signal is read by, and its unit.
READING = {"frozen": ("frozen_seconds", "s"), "planar_motion": ("planarity_ratio", "ratio"),
           "static_face": ("static_share", "share of windows"), "replay": ("replay_score", "score"),
           "blinks": ("blinks_per_minute", "per minute"), "pulse": ("pulse_snr_db", "dB"),
           "challenges": ("median_response_ms", "ms")}


def _reading(signal: SignalResult) -> Signal:
    key, unit = READING[signal.name]
    value = signal.measurements.get(key)
    return Signal(signal.name, float(value) if value is not None else None, unit, signal.reason, signal.score,
                  signal.t0, signal.t1, "face")


def _flat_measurements(signals: list[SignalResult]) -> dict:
    """The headline numbers, flat, for tables and the benchmark."""
    by_name = {s.name: s.measurements for s in signals}
    pick = {"blinks": ("blinks_per_minute", "blink_count"), "planar_motion": ("planarity_ratio",),
            "static_face": ("static_share",), "pulse": ("pulse_bpm", "pulse_snr_db"),
            "replay": ("replay_score",), "frozen": ("frozen_seconds", "looped_seconds")}
    return {key: by_name.get(name, {}).get(key) for name, keys in pick.items() for key in keys}
