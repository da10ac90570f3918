"""What every check shares: findings, results, the session context, and the status rule.

A check is a small streaming consumer: `update()` sees each analysed frame with its
observation, `finish()` sees the session's audio and returns a `CheckResult`. Checks never
call each other; the summary fuses their results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from interview.media import MediaInfo
from interview.observations import AudioAnalysis, Frame, FrameObservation

STATUSES = ("ok", "review", "alert", "insufficient")
REVIEW_RISK = 0.4
ALERT_RISK = 0.7


@dataclass(frozen=True)
class Finding:
    """A piece of evidence: a time span, how much it raises risk, why, and an image to look at."""

    t0: float
    t1: float
    risk: float
    reason: str
    frame: str | None = None  # evidence image path, relative to the output folder
    signal: str | None = None  # which signal fired, e.g. "blink_rate"

    def to_dict(self) -> dict:
        return {"t0": round(self.t0, 2), "t1": round(self.t1, 2), "risk": round(self.risk, 3),
                "reason": self.reason, "frame": self.frame, "signal": self.signal}


@dataclass
class CheckResult:
    name: str
    status: str
    risk: float
    coverage: float
    findings: list[Finding] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)  # merged into summary["measurements"]

    def to_dict(self) -> dict:
        return {"status": self.status, "risk": round(self.risk, 3), "coverage": round(self.coverage, 3),
                "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class ChallengeMark:
    """An active challenge the interviewer asked for at `asked_s` (session seconds)."""

    kind: str
    asked_s: float


@dataclass(frozen=True)
class SessionContext:
    """Everything a check may need at `finish()` besides what it collected itself."""

    media: MediaInfo
    audio: AudioAnalysis
    analysed_frames: int
    challenges: tuple[ChallengeMark, ...] = ()
    evidence_dir: Path | None = None
    candidate: str | None = None
    id_photo: Path | None = None
    # A live call's snapshot: how far the call has been seen. A challenge whose response window is
    # still open there is waiting, not failed (None: a finished session, every response is judged).
    seen_until_s: float | None = None


class Check(Protocol):
    """Optional hooks, looked up by name: `wants_hands(t) -> bool` makes perception look for hands
    on the frame at t (challenge windows); `ask(mark)` hears of a challenge the moment a live
    interviewer asks it (on recordings every mark is known from the start)."""

    name: str

    def update(self, obs: FrameObservation, frame: Frame) -> None: ...

    def finish(self, ctx: SessionContext) -> CheckResult: ...


def corroborated(risk: float, signals_at_review: int, decisive: bool = False) -> float:
    """Alert needs corroboration: one signal on its own may raise review, never alert. A risk at
    alert level stands only when at least two independent signals reach review, or when the
    evidence is `decisive` on its own (a failed active challenge); otherwise it is held just below
    alert. Genuine sessions from sources the thresholds never saw reach a single signal's alert
    level now and then (bench/genuine_corpus.py); two at once they did not."""
    return risk if decisive or signals_at_review >= 2 else min(risk, ALERT_RISK - 0.01)


def risk_level(risk: float) -> str:
    """The traffic light of a risk alone (a finding's; coverage belongs to the check)."""
    risk = risk or 0.0
    return "alert" if risk >= ALERT_RISK else "review" if risk >= REVIEW_RISK else "ok"


def status_for(risk: float, coverage: float, min_coverage: float = 0.2) -> str:
    """The shared traffic light: too little seen is 'insufficient' whatever the risk."""
    return "insufficient" if coverage < min_coverage else risk_level(risk)
