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

from interview.checks.base import ChallengeMark, CheckResult, Finding, SessionContext, status_for
from interview.checks.liveness import blinks, frozen, fusion, planarity, replay_cues, rppg
from interview.checks.liveness.challenges import ChallengeResult, hand_window, label_of, settled, verify
from interview.checks.liveness.signal import SignalResult
from interview.checks.liveness.track import FaceTrack, TrackArrays
from interview.config import AnalysisConfig
from interview.evidence import save_evidence
from interview.observations import Frame, FrameObservation
from interview.snapshots import Snapshots
from interview.timeline import seconds

USABLE_YAW_DEG, USABLE_PITCH_DEG = 40.0, 30.0
MIN_FACE_S = 3.0


class LivenessCheck:
    name = "liveness"

    def __init__(self, config: AnalysisConfig):
        self.config = config
        self.challenges: list[ChallengeMark] = list(config.challenges)
        self.track = FaceTrack()
        self.replay: list[replay_cues.ReplaySample] = []
        self.snapshots = Snapshots()
        self._next_replay_t = float("-inf")

    def ask(self, mark: ChallengeMark) -> None:
        """Register a challenge asked during a live session (so hands are looked for in time)."""
        self.challenges.append(mark)

    def wants_hands(self, t: float) -> bool:
        return any(w[0] <= t <= w[1] for w in map(hand_window, self.challenges) if w is not None)

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        self.track.add(obs, frame)
        face = obs.face
        if face is not None and obs.t >= self._next_replay_t:
            self.replay.append(replay_cues.frame_cues(obs.t, frame.image, face.box))
            self._next_replay_t = obs.t + replay_cues.SAMPLE_EVERY_S
        self.snapshots.offer(obs.t, frame.image, face.box if face is not None else None)

    def finish(self, ctx: SessionContext) -> CheckResult:
        track = self.track.arrays()
        marks = list(ctx.challenges) + [m for m in self.challenges if m not in ctx.challenges]
        challenges = [settled(verify(mark, track, self.track.hands, ctx.audio), ctx.seen_until_s) for mark in marks]
        signals = [frozen.assess(track, ctx.audio.speech), planarity.assess_parallax(track),
                   planarity.assess_deformation(track), replay_cues.assess(self.replay), blinks.assess(track),
                   rppg.assess(track)]
        challenge_signal = fusion.challenge_signal(challenges)
        if challenge_signal is not None:
            signals.append(challenge_signal)
        risk = fusion.combined_risk(signals)
        coverage = usable_share(track)
        usable_s = coverage * len(track) * track.step
        status = status_for(risk, coverage) if usable_s >= MIN_FACE_S else "insufficient"
        failed = [c for c in challenges if c.passed is False]
        findings = [self._finding(s, ctx) for s in signals if s.score > 0 and not (s.name == "challenges" and failed)]
        findings += [self._challenge_finding(c, ctx) for c in failed]  # one each, instead of the summary
        measurements = {
            "liveness": {"confidence": round(fusion.confidence(signals), 3),
                         **_flat_measurements(signals),
                         "signals": {s.name: s.to_dict() for s in signals}},
            "challenges": [c.to_dict() for c in challenges],
        }
        findings = [replace(f, risk=min(f.risk, risk)) for f in findings]  # none outranks its check
        return CheckResult(self.name, status, risk, coverage,
                           sorted(findings, key=lambda f: -f.risk), measurements)

    def _finding(self, signal: SignalResult, ctx: SessionContext) -> Finding:
        t0 = signal.t0 if signal.t0 is not None else 0.0
        t1 = signal.t1 if signal.t1 is not None else t0
        frame = self._evidence(ctx, signal.evidence_t, f"liveness_{signal.name}", signal.name)
        return Finding(t0, t1, signal.score, signal.reason, frame, signal.name)

    def _challenge_finding(self, result: ChallengeResult, ctx: SessionContext) -> Finding:
        kind = result.kind.split(":")[0]
        frame = self._evidence(ctx, result.evidence_t or result.asked_s, f"liveness_challenge_{kind}_{result.asked_s:.1f}s",
                               f"{kind} failed")
        return Finding(result.asked_s, result.asked_s + 1.0, fusion.ONE_FAILED,
                       f"Challenge '{label_of(result.kind)}' asked at {seconds(result.asked_s)} failed: {result.detail}.",
                       frame, "challenges")

    def _evidence(self, ctx: SessionContext, t: float | None, name: str, label: str) -> str | None:
        if ctx.evidence_dir is None or t is None:
            return None
        snapshot = self.snapshots.nearest(t)
        if snapshot is None:
            return None
        image, box = snapshot
        marks = [(*box, label)] if box is not None else []
        return save_evidence(image, ctx.evidence_dir, name.replace(".", "_"), marks)


def usable_share(track: TrackArrays) -> float:
    """Share of analysed frames with a face roughly facing the camera."""
    if len(track) == 0:
        return 0.0
    with np.errstate(invalid="ignore"):
        usable = track.has_face & (np.abs(track.yaw) <= USABLE_YAW_DEG) & (np.abs(track.pitch) <= USABLE_PITCH_DEG)
    return float(usable.mean())


def _flat_measurements(signals: list[SignalResult]) -> dict:
    """The headline numbers, flat, for tables and the benchmark."""
    by_name = {s.name: s.measurements for s in signals}
    pick = {"blinks": ("blinks_per_minute", "blink_count"), "planar_motion": ("planarity_ratio",),
            "static_face": ("static_share",), "pulse": ("pulse_bpm", "pulse_snr_db"),
            "replay": ("replay_score",), "frozen": ("frozen_seconds", "looped_seconds")}
    return {key: by_name.get(name, {}).get(key) for name, keys in pick.items() for key in keys}
