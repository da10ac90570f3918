"""One interview under analysis. Recordings and live calls go through the same `Session`:
frames are pushed in as they come (a recording is a stream read faster than real time), and
`finish()` hands the audio analysis to every check."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from interview.checks import build_checks
from interview.checks.base import CheckResult, SessionContext
from interview.config import AnalysisConfig
from interview.media import MediaInfo
from interview.observations import AudioAnalysis, Frame, FrameObservation
from interview.perception import Perceiver

log = logging.getLogger(__name__)


@dataclass
class SessionStats:
    """Running counts every consumer (summary, live panel) can read without the checks."""

    analysed_frames: int = 0
    frames_with_face: int = 0
    max_faces: int = 0
    last_t: float = 0.0

    @property
    def face_visible_ratio(self) -> float:
        return self.frames_with_face / self.analysed_frames if self.analysed_frames else 0.0


@dataclass
class SessionResult:
    stats: SessionStats
    audio: AudioAnalysis
    checks: dict[str, CheckResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Session:
    def __init__(self, config: AnalysisConfig, perceiver: Perceiver | None = None):
        self.config = config
        self.perceiver = perceiver or Perceiver(config.policy)
        self.checks = build_checks(config)
        self.stats = SessionStats()
        self.stopwatch = self.perceiver.stopwatch

    def push_frame(self, frame: Frame) -> FrameObservation:
        obs = self.perceive(frame)
        self.update_checks(obs, frame)
        return obs

    def perceive(self, frame: Frame) -> FrameObservation:
        """Perception of one frame, and the running counts. With `update_checks`, the two halves of
        `push_frame`: a recording runs them on two threads, in the same frame order."""
        want_hands = any(getattr(check, "wants_hands", lambda t: False)(frame.t) for check in self.checks)
        obs = self.perceiver.observe(frame, want_hands=want_hands)
        self.stats.analysed_frames += 1
        self.stats.frames_with_face += bool(obs.faces)
        self.stats.max_faces = max(self.stats.max_faces, len(obs.faces), len(obs.identities or ()))
        self.stats.last_t = frame.t
        return obs

    def update_checks(self, obs: FrameObservation, frame: Frame) -> None:
        for check in self.checks:
            with self.stopwatch.time(f"check_{check.name}"):
                check.update(obs, frame)

    def finish(self, media: MediaInfo, audio: AudioAnalysis, evidence_dir: Path | None) -> SessionResult:
        self.perceiver.close()
        ctx = SessionContext(media=media, audio=audio, analysed_frames=self.stats.analysed_frames,
                             challenges=self.config.challenges, evidence_dir=evidence_dir,
                             candidate=self.config.candidate, id_photo=self.config.id_photo)
        results, problems = {}, []
        for check in self.checks:
            with self.stopwatch.time(f"finish_{check.name}"):
                try:
                    results[check.name] = check.finish(ctx)
                except Exception as exc:  # one broken check must not cost the others' evidence
                    log.exception("the %s check failed", check.name)
                    problems.append(f"the {check.name} check failed ({type(exc).__name__}: {exc}); "
                                    "its result is missing, the other checks are complete")
                    results[check.name] = CheckResult(check.name, "insufficient", 0.0, 0.0)
        return SessionResult(self.stats, audio, results, problems)
