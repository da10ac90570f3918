"""(being written: relay check)"""

from __future__ import annotations

from interview.checks.base import CheckResult, SessionContext
from interview.config import AnalysisConfig
from interview.observations import Frame, FrameObservation


class RelayCheck:
    name = "relay"

    def __init__(self, config: AnalysisConfig):
        self.config = config

    def update(self, obs: FrameObservation, frame: Frame) -> None:
        pass

    def finish(self, ctx: SessionContext) -> CheckResult:
        return CheckResult(self.name, "insufficient", 0.0, 0.0)
