"""What every check shares: the contract, findings, results, the session context, and the status rule.

A check is a small streaming consumer with no I/O of its own: `update()` sees each analysed frame
with its observation, `assess()` judges everything seen so far and returns a `CheckResult`. It may be
assessed any number of times (the live panel, every second) or once (a recording). What it needs
from outside the call (the ID photo's face, stereo channels) the runner reads once and hands in;
evidence it names by reference (`interview.evidence.EvidenceRef`) and the runner writes the images.
Checks never call each other; the overall summary fuses their results. Each check also says how it
reads to people (label, question, reassurance, next steps), so adding one is one folder plus one
line in `interview.checks.registry`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from interview.evidence import EvidenceRef, FrameKeeper, KeptFrame
from interview.observations import AudioAnalysis, Frame, FrameObservation
from interview.recording import MediaInfo

if TYPE_CHECKING:
    from interview.checks.identity.id_photo import IdPhoto
    from interview.config import AnalysisConfig

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
    frame: str | None = None  # evidence image path, relative to the output folder (set by the runner)
    signal: str | None = None  # which signal fired, e.g. "blink_rate"
    evidence: EvidenceRef | None = field(default=None, compare=False)  # the frame to write for it

    def to_dict(self) -> dict:
        return {"t0": round(self.t0, 2), "t1": round(self.t1, 2), "risk": round(self.risk, 3),
                "reason": self.reason, "frame": self.frame, "signal": self.signal}


@dataclass(frozen=True)
class Signal:
    """One signal's reading in a session, the same shape in every family, so that what genuine
    sessions read can be learnt for any of them alike (`interview.calibration`): `value` raw, in
    `unit` (None: it could not be measured); `score` the risk the check gave it on its own (None:
    judged only in fusion); `t0`/`t1` the span and `region` the part of the face it refers to (None:
    the whole session, the whole face); `reason` a sentence a person can check."""

    name: str
    value: float | None
    unit: str
    reason: str
    score: float | None = None
    t0: float | None = None
    t1: float | None = None
    region: str | None = None

    def to_dict(self) -> dict:
        def rounded(x: float | None, digits: int) -> float | None:
            return None if x is None or x != x else round(float(x), digits)

        return {"name": self.name, "value": rounded(self.value, 4), "unit": self.unit, "reason": self.reason,
                "score": rounded(self.score, 3), "t0": rounded(self.t0, 2), "t1": rounded(self.t1, 2),
                "region": self.region}


@dataclass
class CheckResult:
    name: str
    status: str
    risk: float
    coverage: float
    findings: list[Finding] = field(default_factory=list)
    measurements: dict = field(default_factory=dict)  # merged into summary["measurements"]
    signals: list[Signal] = field(default_factory=list)  # every signal's reading, measured or not

    def to_dict(self) -> dict:
        return {"status": self.status, "risk": round(self.risk, 3), "coverage": round(self.coverage, 3),
                "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True)
class ChallengeMark:
    """An active challenge the interviewer asked for at `asked_s` (session seconds)."""

    kind: str
    asked_s: float


@dataclass(frozen=True)
class SessionInputs:
    """What checks need from outside the call, read once by the runner before the first frame."""

    id_photo: IdPhoto | None = None
    id_photo_problem: str | None = None  # why the ID photo given could not be used
    id_photo_face: np.ndarray | None = field(default=None, repr=False)  # RGB crop around its face, for evidence


@dataclass(frozen=True)
class SessionContext:
    """Everything a check may need at `assess()` besides what it collected itself."""

    media: MediaInfo
    audio: AudioAnalysis
    analysed_frames: int
    candidate: str | None = None
    # A live call's snapshot: how far the call has been seen. A challenge whose response window is
    # still open there is waiting, not failed (None: a finished session, every response is judged).
    seen_until_s: float | None = None
    # A live panel's recent window: judge what was seen from here on, so the cost of a snapshot does
    # not grow with the call (None: the whole session).
    since_s: float | None = None
    # Who speaks on which stereo channel: (channels, frames) mean power per 1/CHANNEL_POWER_HZ s.
    channels: np.ndarray | None = field(default=None, repr=False)


class Check(ABC):
    """The contract every check keeps. Class attributes say how it reads to people: `label` on its
    card, `question` it answers in the report, `reassurance` for the headline when it saw nothing,
    `concern` naming the kind of sign its findings are (None: the finding's own words), `needs` the
    stream without which it cannot run, `headline_rank` the order of reassurances (most asked-for
    first), `next_steps` the interviewer's action per finding signal (None: any other)."""

    name: ClassVar[str]
    label: ClassVar[str]
    question: ClassVar[str]
    reassurance: ClassVar[str]
    concern: ClassVar[str | None] = None
    needs: ClassVar[str] = "video"
    headline_rank: ClassVar[int] = 99
    next_steps: ClassVar[dict[str | None, str]] = {}

    def __init__(self, config: AnalysisConfig, inputs: SessionInputs):
        self.config = config
        self.inputs = inputs
        self.challenges: list[ChallengeMark] = list(config.challenges)
        self.frames = FrameKeeper()  # what its evidence references point at

    def wants_hands(self, t: float) -> bool:
        """Whether perception should look for hands on the frame at t (challenge windows)."""
        return False

    def watches_turn(self, t: float) -> bool:
        """Whether a requested head turn is being watched at t: perception then embeds identities
        at the turned cadence (`perception.embedding_due`)."""
        return False

    def on_challenge(self, mark: ChallengeMark) -> None:
        """A challenge asked during a live call, the moment it is asked (recordings know every mark
        from the start, in `config.challenges`)."""
        self.challenges.append(mark)

    @abstractmethod
    def update(self, obs: FrameObservation, frame: Frame) -> None: ...

    @abstractmethod
    def assess(self, ctx: SessionContext) -> CheckResult:
        """The result on everything seen so far. No I/O, no change to the check's state: a session's
        end may assess two checks at once (`Session.finish`), so nothing shared may change either."""

    def evidence_frame(self, ref: EvidenceRef) -> KeptFrame | None:
        """The kept pixels a reference of this check points at."""
        return self.frames.nearest(ref.t)

    @classmethod
    def describe(cls, result: dict, measurements: dict, top: dict | None) -> tuple[str, str] | None:
        """(plain, detail) headline words when a measurement tells the story better than the
        strongest finding `top` (None: the generic wording)."""
        return None

    @classmethod
    def cautions(cls, summary: dict) -> list[str]:
        """What a reviewer should know about this check that does not change its status."""
        return []


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
